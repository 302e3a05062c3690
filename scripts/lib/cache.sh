# Shared by the install scripts: heavy builds go to a cache outside the repository, under
# a key over everything that changes their output, so only the first run on a machine builds.
# (install-control-plane.sh predates this file and keeps its own copy of the same idea:
# its key covers its own text, so moving it here would rebuild every machine's control plane.)

cache_root=${ATOMIX_OPERATOR_CACHE:-$HOME/.cache/atomix-operator}

# cache_key FILE...: 16 hex digits over the files' contents and whatever arrives on stdin
# (tool versions, options), so a changed input gives a new cache entry.
cache_key() {
  { cat "$@"; cat; } | sha256sum | cut -c1-16
}

# cached_build DIR BUILD [ARGS...]: prints DIR when an earlier build completed it; otherwise
# runs `BUILD STAGING ARGS...` in a fresh staging directory, then moves that into place as
# DIR and prints DIR. A failed or interrupted build leaves no DIR behind.
cached_build() {
  local dir=$1 build=$2
  shift 2
  if [ -f "$dir/.complete" ]; then
    echo "$dir"
    return 0
  fi
  local staging="$dir.staging.$$"
  rm -rf "$staging" && mkdir -p "$staging"
  # shellcheck disable=SC2064 # the staging path is fixed now, on purpose
  trap "rm -rf '$staging'" EXIT
  "$build" "$staging" "$@"
  touch "$staging/.complete"
  rm -rf "$dir" && mv "$staging" "$dir"
  trap - EXIT
  echo "$dir"
}
