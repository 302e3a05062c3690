#!/usr/bin/env bash
# Mutation testing (StrykerJS over the unit tests), niced, one test process at a time
# (MUTATION_CONCURRENCY=N for more, on an otherwise idle machine).
# Usage: npm run test:mutation [-- RUN...]
#   RUN: api | render | controller | kube (all seven modules below) | kube/apply | kube/diff |
#        kube/hash | kube/status-apply | kube/work-queue | kube/informer | kube/kubeconfig
#   default: api render controller kube, one Stryker run each.
# Each run is incremental, with a file of its own under reports/mutation/incremental/ (not
# committed: it holds only for the exact sources and tests it was made from, which change with
# every landing): a rerun tests only the mutants whose code or covering tests changed.
# Prints the mutation score of each area and how long each run took; exits 1 when an area
# scores below 85 %. Not part of scripts/test.sh: a first run takes far longer than the suite's
# budget (see README, Development).
set -euo pipefail
cd "$(dirname "$0")/.."

KUBE_MODULES=(kube/apply kube/diff kube/hash kube/status-apply kube/work-queue kube/informer kube/kubeconfig)
areas_of() {
  case $1 in
    api | render | controller) echo "$1" ;;
    kube) echo "${KUBE_MODULES[*]}" ;;
    kube/*) [[ " ${KUBE_MODULES[*]} " == *" $1 "* ]] && echo "$1" ;;
  esac
}
# The unit tests a run's mutants are judged by (stryker.config.mjs): the area's own.
tests_of() { echo "${1%%/*}"; }
files_of() {
  case $1 in
    api | render | controller) echo "src/$1/**/*.ts" ;;
    kube/*) echo "src/$1.ts" ;;
  esac
}

runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(api render controller kube)
for run in "${runs[@]}"; do
  [ -n "$(areas_of "$run")" ] || { echo "unknown run: $run (api, render, controller, kube or one of: ${KUBE_MODULES[*]})" >&2; exit 2; }
done

mkdir -p reports/mutation/incremental
# Stryker's incremental mode tells changed tests from unchanged ones by reading the test files of
# the project, not of its sandbox: without this copy of the compiled unit tests in the project
# (only .mutation-build/test is not ignored), every test counts as removed and each rerun starts over.
npx tsc -p tsconfig.mutation.json --noCheck
results=()
for run in "${runs[@]}"; do
  read -r -a areas <<<"$(areas_of "$run")"
  mutate=()
  for area in "${areas[@]}"; do mutate+=("$(files_of "$area")"); done
  name=${run//\//-}
  printf '\n== mutation testing %s\n' "$run"
  started=$(date +%s)
  MUTATION_TESTS=$(tests_of "$run") nice -n 19 npx stryker run --mutate "$(IFS=,; echo "${mutate[*]}")" \
    --incremental --incrementalFile "reports/mutation/incremental/$name.json"
  cp reports/mutation/mutation.json "reports/mutation/$name.json"
  results+=("$(IFS=,; echo "${areas[*]}")=reports/mutation/$name.json=$(( $(date +%s) - started ))")
done
npx tsx scripts/mutation-scores.ts "${results[@]}"
