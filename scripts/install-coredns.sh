#!/usr/bin/env bash
# Builds CoreDNS (tools/coredns: our own main with only the plugins the local cluster DNS
# uses) from the Go module proxy into a cache outside the repo. Prints the binary's path.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/cache.sh
. "$root/scripts/lib/cache.sh"
command -v go >/dev/null || { echo "install-coredns: go is not installed" >&2; exit 1; }

module="$root/tools/coredns"
key=$(go version | cache_key "$module"/go.mod "$module"/go.sum "$module"/main.go "$0")

build() {
  local staging=$1
  echo "install-coredns: building CoreDNS ($(cd "$module" && go list -m -f '{{.Version}}' github.com/coredns/coredns)) into $cache_root/coredns/$key; takes a few minutes" >&2
  (cd "$module" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice go build -p "${COREDNS_BUILD_PARALLEL:-2}" -trimpath -ldflags "-s -w" -o "$staging/coredns" .)
}

dir=$(cached_build "$cache_root/coredns/$key" build)
echo "$dir/coredns"
