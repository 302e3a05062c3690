#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kube-scheduler from the
# Go module proxy (modules pinned in tools/*/go.mod) into a cache outside the repo.
# The cache key covers everything that changes the binaries, so only the first run
# on a machine pays for the build. Prints the bin directory on stdout.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${ATOMIX_OPERATOR_CACHE:-$HOME/.cache/atomix-operator}
k8s_version=$(cd "$root/tools/k8s" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
key=$( (cat "$root"/tools/k8s/go.{mod,sum} "$root"/tools/etcd/go.{mod,sum} "$0"; go version) | sha256sum | cut -c1-16)
bin="$cache/control-plane/$key/bin"

if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kube-scheduler" ] && [ -x "$bin/etcd" ]; then
  echo "$bin"
  exit 0
fi

echo "building the control plane ($k8s_version) into $bin; the first build takes several minutes" >&2
staging="$cache/control-plane/$key/staging.$$"
rm -rf "$staging" && mkdir -p "$staging"
trap 'rm -rf "$staging"' EXIT

# Stamp the version as Kubernetes' own release build does (hack/lib/version.sh),
# otherwise the binaries and /version report v0.0.0-master.
minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w"
for kv in gitVersion="$k8s_version" gitMajor=1 gitMinor="$minor" gitTreeState=clean buildDate=2026-01-01T00:00:00Z; do
  ldflags="$ldflags -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done

export CGO_ENABLED=0 GOFLAGS=-mod=mod
parallel=${CONTROL_PLANE_BUILD_PARALLEL:-2}
(cd "$root/tools/etcd" && go build -p "$parallel" -trimpath -ldflags "-s -w" -o "$staging/etcd" go.etcd.io/etcd/server/v3)
(cd "$root/tools/k8s" && go build -p "$parallel" -trimpath -ldflags "$ldflags" -o "$staging/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)

mkdir -p "$(dirname "$bin")"
rm -rf "$bin" && mv "$staging" "$bin"
trap - EXIT
echo "$bin"
