"""Regression translations of the bundled models: tests/regression/NAME.tsv through `rnnsearch --check`.

Refresh them after retraining with scripts/refresh_regression.sh (and review the diff)."""
import glob
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RegressionTest(unittest.TestCase):
    def test_bundled_models(self):
        files = sorted(glob.glob(os.path.join(ROOT, "tests", "regression", "*.tsv")))
        self.assertTrue(files, "no regression files")
        for tsv in files:
            name = os.path.basename(tsv)[:-4]
            model = os.path.join(ROOT, "models", name + ".json")
            with self.subTest(model=name):
                with open(tsv, encoding="utf-8") as f:
                    lines = f.read().splitlines()
                # the header names the decoding options (README.md "Regression mode"): none given here
                self.assertTrue(lines[0].startswith("# rnnsearch-check: "), lines[0])
                lines = lines[1:]
                self.assertGreaterEqual(len(lines), 50)
                self.assertTrue(all("\t" in line for line in lines))
                run = subprocess.run([os.path.join(ROOT, "rnnsearch"), "-m", model, "--check", tsv],
                                     capture_output=True, text=True, cwd=ROOT)
                self.assertEqual(run.returncode, 0, run.stdout[-3000:] + run.stderr)
                self.assertIn(f"check: all {len(lines)} lines match", run.stdout)


if __name__ == "__main__":
    unittest.main()
