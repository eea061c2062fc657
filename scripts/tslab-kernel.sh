#!/usr/bin/env bash
# Starts the tslab kernel in the project root, whatever folder the notebook is
# in, so that notebooks can `import ... from './src/index'` (tslab compiles
# only .ts files under its working directory).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
exec "$root/node_modules/.bin/tslab" "$@"
