#!/usr/bin/env bash
# Executes notebooks headlessly on the tslab kernel and exports each to HTML:
#   npm run notebooks                      # every notebooks/*.ipynb
#   npm run notebooks -- 01 notebooks/03-lalonde.ipynb   # by prefix or path
# Outputs go to reports/notebooks/ (executed .ipynb and .html). Any cell error
# fails that notebook; the script runs them all, then exits 1 if any failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export JUPYTER_PATH="$root/.jupyter/share/jupyter"
out_dir="$root/reports/notebooks"
timeout_s="${NOTEBOOK_CELL_TIMEOUT:-600}"

if [[ ! -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ]]; then
  echo "notebooks: the tslab kernel is not registered; run \`npm run notebooks:install\` first." >&2
  exit 1
fi

notebooks=()
if [[ $# -eq 0 ]]; then
  for f in notebooks/*.ipynb; do [[ -e "$f" ]] && notebooks+=("$f"); done
else
  for arg in "$@"; do
    if [[ -f "$arg" ]]; then
      notebooks+=("$arg")
    else
      matched=0
      for f in notebooks/"$arg"*.ipynb; do
        if [[ -e "$f" ]]; then notebooks+=("$f"); matched=1; fi
      done
      if [[ $matched -eq 0 ]]; then
        echo "notebooks: no notebook matches '$arg' (give a path or a prefix such as 01)" >&2
        exit 1
      fi
    fi
  done
fi
if [[ ${#notebooks[@]} -eq 0 ]]; then
  echo "notebooks: no notebooks/*.ipynb yet; nothing to run"
  exit 0
fi

mkdir -p "$out_dir"
failed=()
total_start=$(date +%s.%N)
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb" .ipynb)"
  log="$out_dir/$name.log"
  start=$(date +%s.%N)
  if /usr/bin/jupyter nbconvert --to notebook --execute "$nb" \
      --ExecutePreprocessor.timeout="$timeout_s" \
      --ExecutePreprocessor.kernel_name=tslab \
      --output-dir "$out_dir" --output "$name.ipynb" >"$log" 2>&1 \
    && /usr/bin/jupyter nbconvert --to html "$out_dir/$name.ipynb" \
      --output-dir "$out_dir" --output "$name.html" >>"$log" 2>&1; then
    status="ok  "
  else
    status="FAIL"
    failed+=("$nb")
  fi
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  printf '%s  %-40s %6s s\n' "$status" "$name" "$secs"
  if [[ "$status" == "FAIL" ]]; then
    # tslab reports type errors in the cell's output, which nbconvert's own
    # message leaves out ("<Error>: "): run again keeping errors and print
    # the failing cell with everything it wrote.
    failed_nb="$out_dir/$name.failed.ipynb"
    /usr/bin/jupyter nbconvert --to notebook --execute "$nb" --allow-errors \
      --ExecutePreprocessor.timeout="$timeout_s" --ExecutePreprocessor.kernel_name=tslab \
      --output-dir "$out_dir" --output "$name.failed.ipynb" >>"$log" 2>&1 || true
    if [[ -f "$failed_nb" ]]; then
      /usr/bin/python3 - "$failed_nb" <<'PY' | sed 's/^/      /'
import json, sys
nb = json.load(open(sys.argv[1]))
for i, cell in enumerate(nb["cells"]):
    outs = cell.get("outputs", [])
    # tslab reports a type error as stderr text with no error output.
    if not any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in outs):
        continue
    print(f"cell {i + 1} (id {cell.get('id')}):")
    print("  " + "".join(cell["source"]).replace("\n", "\n  "))
    print("output:")
    for o in outs:
        if o.get("output_type") == "stream":
            text = o.get("text", "")
            print("".join(text) if isinstance(text, list) else text, end="")
        elif o.get("output_type") == "error":
            print(f"{o.get('ename')}: {o.get('evalue')}")
            print("\n".join(o.get("traceback", [])))
    print()
    break
else:
    print("the re-run kept no error: the failure did not repeat (a source file changing during the run?); see the log")
PY
    else
      tail -n 40 "$log" | sed 's/^/      /'
    fi
    echo "      log: ${log#"$root"/}"
  fi
done
total=$(awk -v a="$total_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

echo "notebooks: ${#notebooks[@]} run, ${#failed[@]} failed, ${total} s; outputs in ${out_dir#"$root"/}/"
if [[ ${#failed[@]} -gt 0 ]]; then
  printf '  failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
