#!/usr/bin/env bash
# Builds the image directory of atomix/atomix:VERSION (default 3.1.12), or with `bench` of
# atomix/atomix-bench:latest: the Atomix 3.1 agent stand-in (tools/atomix-agent) compiled
# against that version's libraries from Maven Central, with its whole dependency closure in
# lib/system, and the tag's start script, logging configuration and image config (image.json).
# Cached outside the repo under a key over every input; prints the image directory.
# Exits 3, saying why, for a version whose libraries are not on Maven Central.
set -euo pipefail

script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root=$(dirname "$(dirname "$script")")
# shellcheck source=lib/cache.sh
. "$root/scripts/lib/cache.sh"
project="$root/tools/atomix-agent"
versions="$project/versions"

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-atomix: $tool is not installed" >&2; exit 1; }
done

# atomix-bench:latest was built on Atomix 3.1.1-SNAPSHOT (2019-01-01), which is 3.1.0 plus at
# most three commits; neither it nor 3.1.1 is on Maven Central, so it is built on 3.1.0, the
# nearest published release (on the same side of the 3.1.5/3.1.6 SWIM wire change).
readonly bench_atomix_version=3.1.0

image=${1:-3.1.12}
version=$image
[ "$image" = bench ] && version=$bench_atomix_version
row=$(awk -v v="$version" '$1 == v' "$versions")
if [ -z "$row" ]; then
  published=$(awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = ", " }' "$versions")
  echo "install-atomix: Atomix $version is not published on Maven Central, so there is no atomix/atomix:$version image to build (published 3.1.x releases: $published)" >&2
  exit 3
fi
read -r _ log_version gossip_version start_script user <<<"$row"

key=$( (echo "$image $row"; java -version 2>&1; cd "$project" && find pom.xml src image -type f | LC_ALL=C sort | xargs cat) \
  | cache_key "$script" "$root/scripts/lib/cache.sh")

java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")

# image_config ROOT ENTRYPOINT UID: the image's config, as `docker inspect` shows it, plus the
# directories the image writes to (its container layer; a read-only mount of it needs a
# writable directory there) and what it was built from.
image_config() {
  local uid=$3 user=null
  [ "$uid" != 0 ] && user="{\"uid\": $uid, \"gid\": $uid}"
  cat <<JSON
{
  "root": "$1",
  "entrypoint": ["$2"],
  "cmd": [],
  "workingDir": "$1",
  "user": $user,
  "env": {
    "PATH": "$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "JAVA_HOME": "$java_home",
    "LANG": "C.UTF-8"
  },
  "writableDirs": ["$1/data", "$1/log"],
  "atomixVersion": "$version",
  "libraries": {"atomix": "$version", "atomix-log": "$log_version", "atomix-gossip": "$gossip_version"},
  "id": "sha256:$(echo "$key $image" | sha256sum | cut -d' ' -f1)"
}
JSON
}

build_image() {
  local staging=$1
  echo "install-atomix: building the image of ${image/#bench/atomix-bench on Atomix $version} (Maven fetches the libraries from Maven Central on first use)" >&2
  # Maven's own output goes to stderr: stdout carries only the resulting directory.
  if ! nice mvn -B -q -f "$project/pom.xml" -Dlauncher.build.directory="$staging/build" \
      -Datomix.version="$version" -Datomix-log.version="$log_version" -Datomix-gossip.version="$gossip_version" \
      package dependency:copy-dependencies -DskipTests -DincludeScope=runtime -DoutputDirectory="$staging/lib/system" >&2; then
    echo "install-atomix: Maven failed to build the launcher or to fetch Atomix $version from Maven Central" >&2
    exit 1
  fi
  mv "$staging"/build/atomix-agent-launcher-*.jar "$staging/lib/system/"
  rm -rf "$staging/build"
  mkdir -p "$staging/bin" "$staging/lib/ext" "$staging/log"
  cp "$project/image/bin/atomix-jvm" "$staging/bin/"
  if [ "$image" = bench ]; then
    cp "$project/image/bin/atomix-bench" "$staging/bin/"
    image_config /opt/atomix-bench ./bin/atomix-bench 0 >"$staging/image.json"
  else
    cp "$project/image/bin/atomix-agent.$start_script" "$staging/bin/atomix-agent"
    mkdir -p "$staging/conf" && cp "$project/image/conf/logback.xml" "$staging/conf/"
    image_config /opt/atomix ./bin/atomix-agent "$([ "$user" = atomix ] && echo 1000 || echo 0)" >"$staging/image.json"
  fi
  chmod -R a+rX "$staging"
}

cached_build "$cache_root/atomix/$image/$key" build_image
