#!/usr/bin/env bash
# Runs every test suite and ends with one line a CI parser reads: "N passed, N failed, N skipped".
#   tests/bin/test_*   cmocka unit tests (built by `make test`)
#   tests/test_*.py    Python unittest suites: reference parity, CLI, tokenizer vectors, BLEU, export, ...
# Each unit binary and each Python suite is its own process; RNNSEARCH_TEST_JOBS of them run at a time (default:
# the number of cores), the slowest first (SLOW below). Each suite's output is printed whole when it ends, in
# the order they were started, under a line "== SUITE: exit N, S s".
# RNNSEARCH_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99") runs ./rnnsearch and the unit tests under it.
# RNNSEARCH_BIN and RNNSEARCH_UNIT_DIR test another build (make check-asan: build/asan/rnnsearch, build/asan/bin);
# RNNSEARCH_PY_TESTS (module names, e.g. "test_io test_hostile") runs those Python suites only (the check-*
# targets name theirs).
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
JOBS=${RNNSEARCH_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Started first so that the last minutes are not one long suite on one core (measured with tests/times.py; the
# order is only a schedule, every suite runs whatever it says).
SLOW="test_attribution test_subword test_determinism test_reference test_aer test_readme test_io test_words
test_reliability test_faults test_html test_cli test_interpret test_hostile"
passed=0 failed=0 skipped=0 broken=""
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

suites=()
for test in "${RNNSEARCH_UNIT_DIR:-tests/bin}"/test_*; do
    [ -x "$test" ] && suites+=("$test")
done
if [ -n "${RNNSEARCH_PY_TESTS:-}" ]; then
    modules=${RNNSEARCH_PY_TESTS}
else
    modules=$(cd tests && ls test_*.py | sed 's/\.py$//')
fi
for slow in $SLOW; do
    for module in $modules; do [ "$module" = "$slow" ] && suites+=("$module"); done
done
for module in $modules; do
    case " $(echo $SLOW) " in *" $module "*) ;; *) suites+=("$module") ;; esac
done
# The unit tests take seconds, under valgrind minutes: they go after the slow Python suites there.
if [ -n "${RNNSEARCH_TEST_WRAPPER:-}" ]; then
    units=() others=()
    for s in "${suites[@]}"; do case $s in */*) units+=("$s") ;; *) others+=("$s") ;; esac; done
    suites=("${others[@]}" "${units[@]}")
fi

run_suite() {  # index, suite: its output to $logs/index.log, "exit seconds" to $logs/index.done
    local start=$SECONDS status
    case $2 in
        */*) ${RNNSEARCH_TEST_WRAPPER:-} "$2" >"$logs/$1.log" 2>&1 ;;
        *) (cd tests && "$PYTHON" -m unittest -v "$2") >"$logs/$1.log" 2>&1 ;;
    esac
    status=$?
    echo "$status $((SECONDS - start))" >"$logs/$1.tmp" && mv "$logs/$1.tmp" "$logs/$1.done"
}

count() {  # index, suite: prints the suite's output and adds its counts
    local log=$logs/$1.log status seconds p f s ran
    read -r status seconds <"$logs/$1.done"
    echo "== $2: exit $status, $seconds s"
    cat "$log"
    case $2 in
        */*)
            p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
            f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
            s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
            p=${p:-0} f=${f:-0} s=${s:-0}
            ;;
        *)
            ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$log" | tail -n 1)
            f=$(grep -E '^FAILED' "$log" | grep -oE '(failures|errors)=[0-9]+' | cut -d= -f2 | awk '{s += $1} END {print s + 0}')
            s=$(grep -E '^(OK|FAILED)' "$log" | grep -oE 'skipped=[0-9]+' | cut -d= -f2)
            ran=${ran:-0} f=${f:-0} s=${s:-0}
            p=$((ran - f - s))
            ;;
    esac
    # A suite that fails without saying how many (a crash, an import error, a sanitizer's exit) counts one failure.
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; broken="$broken $2"
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

next=0 printed=0
while [ "$printed" -lt "${#suites[@]}" ]; do
    ended=("$logs"/*.done)
    ended=${#ended[@]}
    while [ $((next - ended)) -lt "$JOBS" ] && [ "$next" -lt "${#suites[@]}" ]; do
        run_suite "$next" "${suites[$next]}" &
        next=$((next + 1))
    done
    # the suites that have ended, in order: a suite's output is never interleaved with another's
    while [ "$printed" -lt "$next" ] && [ -f "$logs/$printed.done" ]; do
        count "$printed" "${suites[$printed]}"
        printed=$((printed + 1))
    done
    [ "$printed" -lt "$next" ] && sleep 0.2
done
wait

[ -n "$broken" ] && echo "suites that failed to run:$broken"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
