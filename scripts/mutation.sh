#!/usr/bin/env bash
# Mutation testing (StrykerJS over the unit tests), niced, one test process at a time.
# Usage: npm run test:mutation [-- AREA...]
#   AREA: api render controller kube/apply kube/work-queue kube/informer kube/kubeconfig (default: all)
# Prints the mutation score of each area and the run time. Not part of scripts/test.sh:
# a full run takes far longer than the suite's budget (see README, Development).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A GLOBS=(
  [api]='src/api/**/*.ts'
  [render]='src/render/**/*.ts'
  [controller]='src/controller/**/*.ts'
  [kube/apply]='src/kube/apply.ts'
  [kube/work-queue]='src/kube/work-queue.ts'
  [kube/informer]='src/kube/informer.ts'
  [kube/kubeconfig]='src/kube/kubeconfig.ts'
)
areas=("$@")
[ ${#areas[@]} -gt 0 ] || areas=(api render controller kube/apply kube/work-queue kube/informer kube/kubeconfig)
mutate=()
for area in "${areas[@]}"; do
  [ -n "${GLOBS[$area]:-}" ] || { echo "unknown area: $area (one of: ${!GLOBS[*]})" >&2; exit 2; }
  mutate+=("${GLOBS[$area]}")
done

started=$(date +%s)
nice -n 19 npx stryker run --mutate "$(IFS=,; echo "${mutate[*]}")"
elapsed=$(( $(date +%s) - started ))
npx tsx scripts/mutation-scores.ts reports/mutation/mutation.json "${areas[@]}"
printf 'mutation run took %dm%02ds\n' $((elapsed / 60)) $((elapsed % 60))
