#!/usr/bin/env bash
# The chart renders deploy/'s own files: this copies the CRD into charts/atomix-operator/crds
# and the RBAC rules and operator Deployment into its files/deploy, which its templates read,
# so deploy/ stays the one source. With --check it changes nothing and fails if a copy is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

chart=charts/atomix-operator
copies=(
  "deploy/crds/atomixcluster_crd.yaml $chart/crds/atomixcluster_crd.yaml"
  "deploy/role.yaml $chart/files/deploy/role.yaml"
  "deploy/leader_election.yaml $chart/files/deploy/leader_election.yaml"
  "deploy/operator.yaml $chart/files/deploy/operator.yaml"
)

stale=0
for copy in "${copies[@]}"; do
  read -r source target <<<"$copy"
  if [ "${1:-}" = --check ]; then
    cmp -s "$source" "$target" || { echo "$target is stale: run npm run chart and commit it" >&2; stale=1; }
  else
    mkdir -p "$(dirname "$target")" && cp "$source" "$target"
  fi
done
exit "$stale"
