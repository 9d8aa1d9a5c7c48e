"""CPU time of the test suites: each unit binary and each Python suite in its own process, with the CPU time
(user + sys, children included) and wall time of each, and the slowest test cases of the Python suites.

    /usr/bin/python3 tests/times.py [--cases N] [--json FILE] [SUITE ...]

SUITE is a unit binary (tests/bin/test_gru) or a Python module (test_cli); without any, every unit binary of
RNNSEARCH_UNIT_DIR (tests/bin) and every tests/test_*.py. The environment chooses the build, as for tests/run.sh
(RNNSEARCH_BIN, RNNSEARCH_UNIT_DIR, RNNSEARCH_TEST_WRAPPER): run it with the variables of `make check-asan` or
`make check-valgrind` to time those phases. On a shared machine wall time is noise; CPU time is the figure."""
import argparse
import glob
import json
import os
import resource
import shlex
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu(usage):
    return usage.ru_utime + usage.ru_stime


class TimedResult(unittest.TextTestResult):
    """Records each test's wall and CPU time; the CPU time counts the children it waited for (rnnsearch runs)."""

    def startTest(self, test):
        self._start = (time.monotonic(), cpu(resource.getrusage(resource.RUSAGE_SELF))
                       + cpu(resource.getrusage(resource.RUSAGE_CHILDREN)))
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        now = cpu(resource.getrusage(resource.RUSAGE_SELF)) + cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
        self.times.append((test.id(), time.monotonic() - self._start[0], now - self._start[1]))


def child(module, out):
    """Runs one Python suite (in this process) and writes its cases' times to out as JSON."""
    sys.path.insert(0, HERE)
    os.chdir(HERE)
    suite = unittest.defaultTestLoader.loadTestsFromName(module)
    runner = unittest.TextTestRunner(resultclass=TimedResult, verbosity=0, stream=open(os.devnull, "w"))
    TimedResult.times = []
    result = runner.run(suite)
    with open(out, "w") as f:
        json.dump({"cases": TimedResult.times, "ran": result.testsRun,
                   "failed": len(result.failures) + len(result.errors), "skipped": len(result.skipped),
                   "failures": [t.id() + ":\n" + text for t, text in result.failures + result.errors]}, f)


def measure(argv, env=None):
    """Runs argv to its end; returns (exit status, wall seconds, CPU seconds of it and its children)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), time.monotonic() - start, cpu(usage)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=15, help="how many of the slowest cases to list")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("suites", nargs="*")
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    suites = args.suites or (sorted(glob.glob(os.path.join(os.environ.get("RNNSEARCH_UNIT_DIR", "tests/bin"),
                                                           "test_*")))
                             + sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(HERE, "test_*.py"))))
    wrapper = shlex.split(os.environ.get("RNNSEARCH_TEST_WRAPPER", ""))
    rows, cases = [], []
    for suite in suites:
        if "/" in suite:
            rc, wall, used = measure(wrapper + [suite])
            rows.append({"suite": suite, "rc": rc, "wall": wall, "cpu": used})
        else:
            out = os.path.join("/tmp", f"times-{os.getpid()}-{suite}.json")
            rc, wall, used = measure([sys.executable, os.path.abspath(__file__), "--child", suite, out])
            row = {"suite": suite, "rc": rc, "wall": wall, "cpu": used}
            try:
                with open(out) as f:
                    data = json.load(f)
                os.unlink(out)
                row.update(ran=data["ran"], failed=data["failed"], skipped=data["skipped"])
                for failure in data["failures"]:
                    print("FAIL " + failure, flush=True)
                cases += [{"case": c, "wall": w, "cpu": u} for c, w, u in data["cases"]]
            except (OSError, ValueError):
                pass
            rows.append(row)
        r = rows[-1]
        print(f"{r['cpu']:8.1f} {r['wall']:8.1f}  {suite}  (exit {rc}"
              + (f", {r['ran']} ran, {r['failed']} failed" if "ran" in r else "") + ")", flush=True)
    print(f"{sum(r['cpu'] for r in rows):8.1f} {sum(r['wall'] for r in rows):8.1f}  total (CPU s, wall s)")
    print("slowest cases (CPU s, wall s):")
    for c in sorted(cases, key=lambda c: -c["cpu"])[:args.cases]:
        print(f"{c['cpu']:8.1f} {c['wall']:8.1f}  {c['case']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"suites": rows, "cases": cases}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
