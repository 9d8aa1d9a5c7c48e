#!/usr/bin/env bash
# `make check`, what CI runs: builds what the phases need (make check-build), then the whole suite (make test),
# the suites that run C code again with the ASan + UBSan build (make check-asan) and under valgrind (make
# check-valgrind). CHECK_PHASES names other phases (make check-full: check-asan-full, every suite under ASan).
# Every phase runs even when one fails; each ends with its "N passed, N failed, N skipped" line and its time,
# and the last line sums them; the exit status is 0 only when every phase passed.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
JOBS=${RNNSEARCH_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
passed=0 failed=0 skipped=0 status=0
log=$(mktemp) tms=$(mktemp)
trap 'rm -f "$log" "$tms"' EXIT

cpu() {  # CPU: user + sys seconds of the commands run so far (`times` in this shell, not in a subshell)
    times >"$tms"
    CPU=$(tail -n 1 "$tms" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

# One make for every build: the objects of all phases share the cores (a phase's own make then finds them
# built). A build that fails fails again, with its message, in the phase that needs it.
echo "==== make check-build"
start=$SECONDS; cpu; before=$CPU
"$MAKE" --no-print-directory -k -j"$JOBS" check-build
rc=$?; cpu
echo "==== make check-build: exit $rc in $((SECONDS - start)) s, CPU $((CPU - before)) s"

for phase in ${CHECK_PHASES:-test check-asan check-valgrind}; do
    echo "==== make $phase"
    start=$SECONDS; cpu; before=$CPU
    "$MAKE" --no-print-directory -j"$JOBS" "$phase" 2>&1 | tee "$log"
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
    cpu
    echo "==== make $phase: exit $rc in $((SECONDS - start)) s, CPU $((CPU - before)) s"
done
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
