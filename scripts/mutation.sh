#!/usr/bin/env bash
# Mutation testing (StrykerJS over the unit tests), niced, one test process at a time.
# Usage: npm run test:mutation [-- AREA...]
#   AREA: api render controller kube/apply kube/diff kube/hash kube/status-apply kube/work-queue
#         kube/informer kube/kubeconfig (default: all, one Stryker run each)
# Each area runs in incremental mode with a file of its own under reports/mutation/incremental/
# (not committed: it is only valid for the exact sources and tests it was made from, which
# change with every landing): a rerun tests only the mutants whose code or covering tests changed.
# Prints the mutation score and the run time of each area; exits 1 when an area scores below 85 %.
# Not part of scripts/test.sh: a full first run takes far longer than the suite's budget
# (see README, Development).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_AREAS=(api render controller kube/apply kube/diff kube/hash kube/status-apply kube/work-queue kube/informer kube/kubeconfig)
mutated_files() {
  case $1 in
    api | render | controller) echo "src/$1/**/*.ts" ;;
    kube/*) echo "src/$1.ts" ;;
  esac
}

areas=("$@")
[ ${#areas[@]} -gt 0 ] || areas=("${ALL_AREAS[@]}")
for area in "${areas[@]}"; do
  [[ " ${ALL_AREAS[*]} " == *" $area "* ]] || { echo "unknown area: $area (one of: ${ALL_AREAS[*]})" >&2; exit 2; }
done

mkdir -p reports/mutation/incremental
results=()
for area in "${areas[@]}"; do
  name=${area//\//-}
  printf '\n== mutation testing %s\n' "$area"
  started=$(date +%s)
  nice -n 19 npx stryker run --mutate "$(mutated_files "$area")" \
    --incremental --incrementalFile "reports/mutation/incremental/$name.json"
  cp reports/mutation/mutation.json "reports/mutation/$name.json"
  results+=("$area=reports/mutation/$name.json=$(( $(date +%s) - started ))")
done
npx tsx scripts/mutation-scores.ts "${results[@]}"
