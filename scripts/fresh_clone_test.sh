#!/usr/bin/env bash
# Clone main into a temporary directory and run the README's test command there, as CI does.
set -euo pipefail
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dest=$(mktemp -d)
git clone -q "$src" "$dest/main"
ln -s "$src/../shared" "$dest/shared" 2>/dev/null || true
cd "$dest/main"
make test
