#!/usr/bin/env bash
# `make check`, what CI runs: the whole suite (make test), then again under ASan + UBSan (make check-asan) and
# under valgrind (make check-valgrind). Every phase runs even when one fails; the last line sums the three
# "N passed, N failed, N skipped" lines, and the exit status is 0 only when every phase passed.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
passed=0 failed=0 skipped=0 status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for phase in test check-asan check-valgrind; do
    echo "==== make $phase"
    start=$(date +%s)
    "$MAKE" --no-print-directory -j2 "$phase" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "==== make $phase: no summary line (exit $rc)"
        failed=$((failed + 1))
    else
        set -- $line
        passed=$((passed + $1)); failed=$((failed + $3)); skipped=$((skipped + $5))
        [ "$rc" -ne 0 ] && [ "$3" -eq 0 ] && failed=$((failed + 1))
    fi
    [ "$rc" -ne 0 ] && status=1
    echo "==== make $phase: exit $rc in $(( $(date +%s) - start )) s"
done
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
