#!/usr/bin/env bash
# Builds the Atomix 3.1 agent stand-in (tools/atomix-agent) with Maven and collects it with its
# whole runtime dependency closure into a cache outside the repo. Prints that directory; run a
# node with `java -cp "<dir>/*" io.atomixoperator.agent.AgentMain ...`. The cache key covers
# the pom, the sources, this script and the Java version, so unchanged inputs reuse the build.
set -euo pipefail

script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
root=$(dirname "$(dirname "$script")")
project="$root/tools/atomix-agent"
cache=${ATOMIX_OPERATOR_CACHE:-$HOME/.cache/atomix-operator}

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-atomix: $tool is not installed" >&2; exit 1; }
done

key=$( (cd "$project" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum; sha256sum "$script" | cut -d' ' -f1; java -version 2>&1) | sha256sum | cut -c1-16)
lib="$cache/atomix/$key/lib"

if [ -f "$lib/.complete" ]; then
  echo "$lib"
  exit 0
fi

echo "install-atomix: building the Atomix agent launcher into $lib" >&2
staging="$cache/atomix/$key/staging.$$"
rm -rf "$staging" && mkdir -p "$staging"
trap 'rm -rf "$staging"' EXIT

# Maven's own output goes to stderr: stdout carries only the resulting directory.
if ! mvn -B -q -f "$project/pom.xml" -Dlauncher.build.directory="$staging/build" \
    package dependency:copy-dependencies -DskipTests -DincludeScope=runtime -DoutputDirectory="$staging/lib" >&2; then
  echo "install-atomix: Maven failed to build the launcher or to fetch Atomix 3.1 from Maven Central" >&2
  exit 1
fi
cp "$staging"/build/atomix-agent-launcher-*.jar "$staging/lib/"
touch "$staging/lib/.complete"

rm -rf "$lib" && mv "$staging/lib" "$lib"
echo "$lib"
