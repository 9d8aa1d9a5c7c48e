#!/usr/bin/env bash
# Regenerates the regression files tests/regression/NAME.tsv from NAME.src with the bundled model
# models/NAME.json, then shows what changed for review. Each file starts with the header
# `# rnnsearch-check: OPTIONS` naming the decoding options its outputs were made with, so that
# `./rnnsearch -m models/NAME.json --check tests/regression/NAME.tsv` passes with no option given.
# Run after retraining a model; read the diff by eye before committing the new .tsv files.
#   scripts/refresh_regression.sh [--options "OPTIONS"] [NAME...]
#     --options  decoding options for the outputs and the header (default "-b 5"; allowed: those README.md
#                "Regression mode" lists)
#     NAME       default: every tests/regression/*.src
set -euo pipefail
cd "$(dirname "$0")/.."
options="-b 5"
if [ "${1:-}" = "--options" ]; then
    [ $# -ge 2 ] || { echo "refresh_regression: --options needs a value" >&2; exit 2; }
    options=$2
    shift 2
fi
[ -x ./rnnsearch ] || make -s
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for src in tests/regression/*.src; do names+=("$(basename "$src" .src)"); done
fi
for name in "${names[@]}"; do
    src=tests/regression/$name.src model=models/$name.json tsv=tests/regression/$name.tsv
    [ -f "$model" ] || { echo "refresh_regression: $model: no such model, skipped" >&2; continue; }
    new=$(mktemp)
    echo "# rnnsearch-check: $options" > "$new"
    # shellcheck disable=SC2086 # the options are words
    ./rnnsearch -m "$model" $options "$src" | paste "$src" - >> "$new"
    # the header must give back the same outputs
    ./rnnsearch -m "$model" --check "$new" > /dev/null ||
        { echo "refresh_regression: $new does not pass its own check" >&2; exit 1; }
    if [ -f "$tsv" ] && ! diff -u "$tsv" "$new"; then
        echo "refresh_regression: $tsv changed (diff above)" >&2
    fi
    chmod 644 "$new"
    mv "$new" "$tsv"
    echo "refresh_regression: wrote $tsv ($(($(wc -l < "$tsv") - 1)) lines and the header)" >&2
done
