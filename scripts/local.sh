#!/usr/bin/env bash
# The main job: on a fresh machine, installs what it needs (npm packages, the
# control-plane binaries and CoreDNS, cached after the first build), then runs the operator
# against a local control plane with the README's example cluster until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
bash scripts/install-control-plane.sh >/dev/null
bash scripts/install-coredns.sh >/dev/null
exec node bin/atomix-operator.js local --dir .local "$@"
