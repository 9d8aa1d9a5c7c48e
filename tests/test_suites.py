"""The Makefile's lists of test suites stay true as suites come and go: every tests/test_*.py is in exactly one
of ASAN_PY_TESTS (run again by make check-asan) and NATIVE_PY_TESTS (make test only), the suites under valgrind
are ASan ones, an ASan suite can reach the build under test, and the names tests/run.sh starts first exist."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LISTS = ("ASAN_PY_TESTS", "NATIVE_PY_TESTS", "VALGRIND_PY_TESTS")


def make_lists():
    """{variable: [suite, ...]} as make expands them (continuation lines, overrides and all)."""
    with tempfile.NamedTemporaryFile("w", suffix=".mk", delete=False) as f:
        f.write("print-test-lists:\n" + "".join(f"\t@echo '{v}=$({v})'\n" for v in LISTS))
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL") + LISTS}
        out = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", f.name,
                              "print-test-lists"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    lists = dict(line.split("=", 1) for line in out.stdout.splitlines())
    return {k: v.split() for k, v in lists.items()}


@unittest.skipUnless(shutil.which("make"), "make is not installed")
class SuiteListsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lists = make_lists()
        cls.suites = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(HERE, "test_*.py")))

    def test_every_suite_is_listed_once(self):
        asan, native = self.lists["ASAN_PY_TESTS"], self.lists["NATIVE_PY_TESTS"]
        self.assertEqual(sorted(set(asan) & set(native)), [], "in both ASAN_PY_TESTS and NATIVE_PY_TESTS")
        self.assertEqual(sorted(set(self.suites) - set(asan) - set(native)), [],
                         "in neither ASAN_PY_TESTS nor NATIVE_PY_TESTS (Makefile): a suite that runs rnnsearch or "
                         "the unit tools through tests/clitools.py goes to ASAN_PY_TESTS")
        self.assertEqual(sorted(set(asan + native) - set(self.suites)), [], "listed, but no such suite")

    def test_valgrind_suites_run_under_asan_too(self):
        self.assertEqual(sorted(set(self.lists["VALGRIND_PY_TESTS"]) - set(self.lists["ASAN_PY_TESTS"])), [])

    def test_asan_suites_run_the_build_under_test(self):
        for suite in self.lists["ASAN_PY_TESTS"]:
            with open(os.path.join(HERE, suite + ".py"), encoding="utf-8") as f:
                text = f.read()
            with self.subTest(suite=suite):
                self.assertRegex(text, r"\bclitools\b|RNNSEARCH_UNIT_DIR",
                                 "an ASan suite reaches the binary through tests/clitools.py (RNNSEARCH_BIN)")

    def test_run_sh_names_real_suites(self):
        with open(os.path.join(HERE, "run.sh"), encoding="utf-8") as f:
            slow = re.search(r'^SLOW="([^"]*)"', f.read(), re.M)
        self.assertIsNotNone(slow)
        self.assertEqual(sorted(set(slow.group(1).split()) - set(self.suites)), [], "tests/run.sh SLOW")


if __name__ == "__main__":
    unittest.main()
