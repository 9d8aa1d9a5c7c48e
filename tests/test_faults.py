"""Allocation-failure injection, SQLite style: build/faults/rnnsearch (`make faults`, built by `make test`) makes
its Nth allocation fail when RS_FAIL_ALLOC=N (tests/faults/alloc_faults.c). For every N from 1 to the number of
allocations of a run, the run must end as a careful tool ends: the right output and exit 0 (the allocation was
an optimisation, or the loader's slow path took over), or exit 2 and exactly one line on standard error, and in
both cases no block leaked (the wrapper reports leaks on standard error, which fails the check)."""
import concurrent.futures
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

import clitools
import tinymodel

FAULTS_BINARY = os.path.join(clitools.ROOT, "build", "faults", "rnnsearch")


@unittest.skipUnless(os.access(FAULTS_BINARY, os.X_OK), "build/faults/rnnsearch is not built (make faults)")
@unittest.skipIf(clitools.wrapper() or os.environ.get("RNNSEARCH_BIN"), "runs its own build, not the one under test")
class AllocationFailureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.model = tinymodel.temporary("rnnsearch-faults-")
        cls.input = os.path.join(cls.tmp, "in.de")
        with open(cls.input, "wb") as f:
            f.write(b"ein hund\nkatze\n\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def run_faulty(self, args, n, directory):
        env = clitools.child_env(RS_FAIL_ALLOC=str(n))
        if n == 0:
            env = clitools.child_env(RS_COUNT_ALLOC="1")
        return subprocess.run([FAULTS_BINARY, "-m", self.model, "--quiet"] + args, capture_output=True, env=env, cwd=directory,
                              timeout=60)

    def check_every_allocation(self, args):
        directory = tempfile.mkdtemp(dir=self.tmp)
        counted = self.run_faulty(args, 0, directory)
        self.assertEqual(counted.returncode, 0, counted)
        total = int(counted.stderr.decode().split("alloc-faults: ")[-1].split()[0])
        expected = self.run_faulty(args, total + 1, directory)
        self.assertEqual((expected.returncode, expected.stderr), (0, b""), expected)
        self.assertGreater(total, 100)
        messages = set()

        def attempt(n):
            where = tempfile.mkdtemp(dir=directory)
            return n, self.run_faulty(args, n, where), glob.glob(os.path.join(where, ".*"))

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for n, result, left in pool.map(attempt, range(1, total + 1)):
                what = f"allocation {n} of {total} failed: {clitools.describe(args, result)}"
                self.assertEqual(left, [], what)  # no temporary output file left behind
                if result.returncode == 0:
                    self.assertEqual((result.stdout, result.stderr), (expected.stdout, b""), what)
                    continue
                self.assertEqual(result.returncode, 2, what)
                text = result.stderr.decode("utf-8")
                self.assertTrue(text.startswith("rnnsearch: ") and text.count("\n") == 1, what)
                messages.add(text)
        self.assertTrue(any("out of memory" in m for m in messages), messages)
        return messages

    def test_translation(self):
        self.check_every_allocation(["-b", "2", self.input])

    def test_every_output(self):
        self.check_every_allocation(
            ["-b", "2", "--format", "jsonl", "-a", "--alignments", "--stats", "--explain", "--replace-unk",
             "--align-csv", "a.csv", "-o", "out.jsonl", "--heatmap", "h{id}.svg", self.input])


if __name__ == "__main__":
    unittest.main()
