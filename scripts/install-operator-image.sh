#!/usr/bin/env bash
# Builds the image directory of atomix/atomix-operator:VERSION (package.json's version) from
# this checkout, as the Dockerfile builds the image: `npm run build` (tsc) and the production
# dependencies (`npm ci --omit=dev`, which leaves what the Dockerfile's `npm prune --omit=dev`
# leaves), laid out as its /app, with its ENTRYPOINT, CMD, USER, WORKDIR and ENV in image.json.
# The Node runtime is not copied: containers see the host's node read-only (the host's /usr,
# or a read-only mount of node's directory when it lives elsewhere).
# Cached outside the repo under a key over every input (the dependencies under a key of their
# own, so a source change only recompiles); prints the image directory.
set -euo pipefail

script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root=$(dirname "$(dirname "$script")")
# shellcheck source=lib/cache.sh
. "$root/scripts/lib/cache.sh"

command -v node >/dev/null || { echo "install-operator-image: node is not installed" >&2; exit 1; }
[ -x "$root/node_modules/.bin/tsc" ] || { echo "install-operator-image: run npm ci first (the build needs the dev dependencies' tsc)" >&2; exit 1; }

node_version=$(node --version)
node_dir=$(dirname "$(readlink -f "$(command -v node)")")
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")

deps_key=$( (echo "$node_version"; cat "$root/package.json" "$root/package-lock.json") | cache_key "$script")
key=$( (echo "$node_version $node_dir $deps_key"; cd "$root" && find Dockerfile tsconfig.json bin src -type f | LC_ALL=C sort | xargs cat) \
  | cache_key "$script" "$root/scripts/lib/cache.sh")

install_dependencies() {
  local staging=$1
  echo "install-operator-image: installing the operator's production dependencies (npm ci --omit=dev)" >&2
  cp "$root/package.json" "$root/package-lock.json" "$staging/"
  # npm's own output goes to stderr: stdout carries only the resulting directory.
  (cd "$staging" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund >&2)
}

# image_config NODE_MOUNT_JSON PATH: the Dockerfile's final stage, as `docker inspect` shows it.
image_config() {
  cat <<JSON
{
  "root": "/app",
  "entrypoint": ["node", "bin/atomix-operator.js"],
  "cmd": ["run"],
  "workingDir": "/app",
  "user": {"uid": 65532, "gid": 65532},
  "env": {"PATH": "$2", "NODE_ENV": "production"},
  "writableDirs": [],
  "mounts": [$1],
  "nodeVersion": "$node_version",
  "id": "sha256:$(echo "$key $version" | sha256sum | cut -d' ' -f1)"
}
JSON
}

build_image() {
  local staging=$1 deps=$2
  echo "install-operator-image: building atomix/atomix-operator:$version (npm run build)" >&2
  (cd "$root" && npm run -s build -- --outDir "$staging/dist" >&2)
  cp "$root/package.json" "$staging/"
  cp -r "$root/bin" "$staging/bin"
  cp -r "$deps/node_modules" "$staging/node_modules"
  local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin mount=''
  # Every container sees the host's /usr; a node installed elsewhere gets a mount of its own.
  case "$node_dir/" in
    /usr/*) ;;
    *) mount="{\"hostPath\": \"$node_dir\", \"containerPath\": \"/opt/node/bin\"}"; path="/opt/node/bin:$path" ;;
  esac
  image_config "$mount" "$path" >"$staging/image.json"
  chmod -R a+rX "$staging"
}

deps=$(cached_build "$cache_root/operator-image/deps/$deps_key" install_dependencies)
cached_build "$cache_root/operator-image/$version/$key" build_image "$deps"
