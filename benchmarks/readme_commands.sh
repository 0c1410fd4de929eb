#!/usr/bin/env bash
# Times the README's two commands as a new user runs them: a fresh clone
# beside this repository (so ../shared is found), each with a fresh venv.
#   bash benchmarks/readme_commands.sh
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commands=$(sed -n '/^```bash$/,/^```$/p' "$repo/README.md" | grep -v '^#' | grep -v '^```' | grep -v '^$')
first=$(sed -n 1p <<<"$commands")
second=$(sed -n 2p <<<"$commands")
for i in 1 2; do
    cmd=$([ $i = 1 ] && echo "$first" || echo "$second")
    clone="$repo/../readme-check-$i"
    rm -rf "$clone" && git clone -q "$repo" "$clone"
    echo "== command $i: $cmd"
    start=$(date +%s)
    (cd "$clone" && bash -c "$cmd") > "$clone.log" 2>&1 || { tail -20 "$clone.log"; echo "command $i FAILED"; exit 1; }
    echo "   finished in $(( $(date +%s) - start )) s (log: $clone.log)"
    tail -3 "$clone.log"
done
