#!/usr/bin/env bash
# Registers the tslab TypeScript kernel (name `tslab`) for this project only,
# under .jupyter/, so nothing is written to the user's or system's Jupyter.
# The kernel is started through scripts/tslab-kernel.sh, which runs tslab in
# the project root: notebooks import `./src/index` from there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

apt_line='apt-get update && apt-get install -y --no-install-recommends jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel'

# Debian's Jupyter lives in /usr/bin and uses /usr/bin/python3; a pyenv or
# conda python3 earlier on PATH usually lacks jupyter_client.
if [[ ! -x /usr/bin/jupyter ]] || ! /usr/bin/python3 -c 'import jupyter_client, nbconvert, nbclient' 2>/dev/null; then
  echo "notebooks:install: Debian's Jupyter is not installed. Install it with (as root):" >&2
  echo "  $apt_line" >&2
  exit 1
fi

if [[ ! -x node_modules/.bin/tslab ]]; then
  echo "notebooks:install: node_modules/.bin/tslab is missing; run \`npm install\` first." >&2
  exit 1
fi

chmod +x scripts/tslab-kernel.sh
node_modules/.bin/tslab install \
  --python /usr/bin/python3 \
  --binary "$root/scripts/tslab-kernel.sh" \
  --prefix "$root/.jupyter" >/dev/null

spec="$root/.jupyter/share/jupyter/kernels/tslab/kernel.json"
if [[ ! -f "$spec" ]]; then
  echo "notebooks:install: tslab did not write $spec" >&2
  exit 1
fi

# Confirm Jupyter itself can see the kernel under this JUPYTER_PATH.
# (Read the whole listing first: `grep -q` closing the pipe early would make
# jupyter die of SIGPIPE, which pipefail reports as a failure.)
listing="$(JUPYTER_PATH="$root/.jupyter/share/jupyter" /usr/bin/jupyter kernelspec list 2>/dev/null || true)"
if ! grep -q '^ *tslab ' <<<"$listing"; then
  echo "notebooks:install: Jupyter does not list the tslab kernel from $root/.jupyter" >&2
  exit 1
fi

cat <<EOF
Registered the TypeScript kernel \`tslab\` in $root/.jupyter/share/jupyter/kernels/tslab

Open the notebooks with:
  cd $root && JUPYTER_PATH=\$PWD/.jupyter/share/jupyter /usr/bin/jupyter notebook notebooks/

Run them all headlessly (executed copies and HTML in reports/notebooks/):
  npm run notebooks
EOF
