#!/usr/bin/env bash
# Builds helm (v3, the release pinned in tools/helm/go.mod) from the Go module proxy into a
# cache outside the repo, stamped with its version as helm's own release build stamps it.
# Prints the binary's path.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/cache.sh
. "$root/scripts/lib/cache.sh"
command -v go >/dev/null || { echo "install-helm: go is not installed" >&2; exit 1; }

module="$root/tools/helm"
key=$(go version | cache_key "$module"/go.mod "$module"/go.sum "$0" "$root/scripts/lib/cache.sh")

# module_version MODULE: the version of MODULE that tools/helm/go.mod selects.
module_version() {
  (cd "$module" && go list -m -f '{{.Version}}' "$1")
}

build() {
  local staging=$1 helm_version client_go major minor ldflags
  helm_version=$(module_version helm.sh/helm/v3)
  echo "install-helm: building helm $helm_version into $cache_root/helm/$key; takes a few minutes" >&2
  # As helm's Makefile: the version, and the Kubernetes version that `helm template` and
  # `helm lint` assume, taken from the client-go it is built with (client-go v0.X is 1.X).
  client_go=$(module_version k8s.io/client-go)
  major=$(( $(echo "${client_go#v}" | cut -d. -f1) + 1 ))
  minor=$(echo "$client_go" | cut -d. -f2)
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version -X helm.sh/helm/v3/internal/version.metadata="
  for package in pkg/lint/rules pkg/chartutil; do
    ldflags="$ldflags -X helm.sh/helm/v3/$package.k8sVersionMajor=$major -X helm.sh/helm/v3/$package.k8sVersionMinor=$minor"
  done
  (cd "$module" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice go build -p "${HELM_BUILD_PARALLEL:-2}" -trimpath -ldflags "$ldflags" \
    -o "$staging/helm" helm.sh/helm/v3/cmd/helm)
}

dir=$(cached_build "$cache_root/helm/$key" build)
echo "$dir/helm"
