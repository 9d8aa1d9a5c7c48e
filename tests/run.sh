#!/usr/bin/env bash
# Runs every test suite and ends with one line a CI parser reads: "N passed, N failed, N skipped".
#   tests/bin/test_*   cmocka unit tests (built by `make test`)
#   tests/test_*.py    Python unittest suites: reference parity, CLI, tokenizer vectors, BLEU, export, ...
# RNNSEARCH_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99") runs ./rnnsearch and the unit tests under it.
# RNNSEARCH_BIN and RNNSEARCH_UNIT_DIR test another build (make check-asan: build/asan/rnnsearch, build/asan/bin);
# RNNSEARCH_PY_TESTS (module names, e.g. "test_io test_hostile") runs those Python suites only (make check-valgrind).
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
passed=0 failed=0 skipped=0 broken=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for test in "${RNNSEARCH_UNIT_DIR:-tests/bin}"/test_*; do
    [ -x "$test" ] || continue
    ${RNNSEARCH_TEST_WRAPPER:-} "$test" >"$log" 2>&1
    status=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
    if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        failed=$((failed + 1)); broken="$broken $test"
    fi
done

if [ -n "${RNNSEARCH_PY_TESTS:-}" ]; then
    (cd tests && "$PYTHON" -m unittest -v ${RNNSEARCH_PY_TESTS}) >"$log" 2>&1
else
    "$PYTHON" -m unittest discover -s tests -p 'test_*.py' -v >"$log" 2>&1
fi
status=$?
cat "$log"
ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$log" | tail -n 1)
f=$(grep -E '^FAILED' "$log" | grep -oE '(failures|errors)=[0-9]+' | cut -d= -f2 | awk '{s += $1} END {print s + 0}')
s=$(grep -E '^(OK|FAILED)' "$log" | grep -oE 'skipped=[0-9]+' | cut -d= -f2)
ran=${ran:-0}; f=${f:-0}; s=${s:-0}
if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; broken="$broken python-unittest"; fi
passed=$((passed + ran - f - s)); failed=$((failed + f)); skipped=$((skipped + s))

[ -n "$broken" ] && echo "suites that failed to run:$broken"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
