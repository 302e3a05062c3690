#!/usr/bin/env bash
# The test command: on a fresh machine it installs everything the tests need
# (npm packages, the control-plane binaries, CoreDNS, helm, the Atomix images; all but the
# first cached outside the repo), checks generated files, types, lint and unused code,
# then runs the unit,
# integration (real control plane) and Atomix (real JVMs) suites.
set -euo pipefail
cd "$(dirname "$0")/.."

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "install npm packages"
npm ci --no-audit --no-fund

step "install the control plane (cached after the first build)"
bash scripts/install-control-plane.sh >/dev/null

step "install the Atomix images the tests boot (cached after the first build)"
for image in 3.1.0 3.1.5 3.1.10 3.1.12 bench; do bash scripts/install-atomix.sh "$image" >/dev/null; done

step "build the operator's image for the local node (npm run build; cached per source)"
bash scripts/install-operator-image.sh >/dev/null

step "install CoreDNS (cached after the first build)"
bash scripts/install-coredns.sh >/dev/null

step "install helm (cached after the first build)"
bash scripts/install-helm.sh >/dev/null

step "check that generated files are fresh"
npx tsx src/cli/main.ts crd | diff -u deploy/crds/atomixcluster_crd.yaml - \
  || { echo "deploy/crds/atomixcluster_crd.yaml is stale: run npm run crd and commit it" >&2; exit 1; }
bash scripts/chart-files.sh --check

step "typecheck"
npx tsc -p tsconfig.test.json

step "lint (typescript-eslint strict-type-checked) and unused files, dependencies and exports (knip)"
npm run -s lint
npm run -s knip

suite() {
  local name=$1
  step "$name tests"
  local status=0
  TEST_REPORTERS="--test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination=$results/$name.tap" \
    npm run -s "test:$name" || status=$?
  return $status
}

failed=0
suite unit || failed=1
suite integration || failed=1
suite atomix || failed=1

# One closing line for the whole run, summed over the suites.
count() { cat "$results"/*.tap 2>/dev/null | awk -v key="$1" '$1 == "#" && $2 == key { total += $3 } END { print total + 0 }'; }
passed=$(count pass)
failures=$(( $(count fail) + $(count cancelled) ))
echo
echo "${passed:-0} passed, ${failures:-0} failed"
[ "$failed" -eq 0 ] && [ "${failures:-0}" -eq 0 ]
