#!/usr/bin/env bash
# Regenerates the regression files tests/regression/NAME.tsv (source<TAB>expected) from NAME.src with the
# bundled model models/NAME.json and the tool's default decoding, then shows what changed for review.
# Run after retraining a model; read the diff by eye before committing the new .tsv files.
#   scripts/refresh_regression.sh [NAME...]      (default: every tests/regression/*.src)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ./rnnsearch ] || make -s
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for src in tests/regression/*.src; do names+=("$(basename "$src" .src)"); done
fi
for name in "${names[@]}"; do
    src=tests/regression/$name.src model=models/$name.json tsv=tests/regression/$name.tsv
    [ -f "$model" ] || { echo "refresh_regression: $model: no such model, skipped" >&2; continue; }
    new=$(mktemp)
    ./rnnsearch -m "$model" "$src" | paste "$src" - > "$new"
    if [ -f "$tsv" ] && ! diff -u "$tsv" "$new"; then
        echo "refresh_regression: $tsv changed (diff above)" >&2
    fi
    mv "$new" "$tsv"
    echo "refresh_regression: wrote $tsv ($(wc -l < "$tsv") lines)" >&2
done
