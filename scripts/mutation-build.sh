#!/usr/bin/env bash
# Stryker's build step (inside its sandbox): compiles the instrumented sources and the
# unit tests to JavaScript once, so each test file then starts without tsx (about 3x faster).
set -euo pipefail
npx tsc -p tsconfig.mutation.json
ln -sfn ../deploy .mutation-build/deploy
