"""scripts/faithfulness.py on a tiny fixture model: deletion/insertion AOPC and the randomization check for each
method and the random order, progress lines, parallel jobs giving the same report as one, and --replot."""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import tinymodel
from clitools import BINARY, ROOT

SCRIPT = os.path.join(ROOT, "scripts", "faithfulness.py")


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built")
class FaithfulnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rnnsearch-faithfulness-")
        cls.model = os.path.join(cls.dir, "model.json")
        tinymodel.write(cls.model, tinymodel.build(src_words=["ein", "hund", "katze", "sieht"],
                                                   tgt_words=["a", "dog", "cat", "sees"], seed=3))
        cls.input = os.path.join(cls.dir, "input.txt")
        with open(cls.input, "w", encoding="utf-8") as f:
            f.write("ein hund sieht katze\nkatze sieht ein hund\nhund katze\nein\n")

    def run_script(self, *args):
        done = subprocess.run([sys.executable, SCRIPT, "-m", self.model, "--input", self.input, "--binary", BINARY]
                              + list(args), capture_output=True, timeout=600)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        return done

    def test_report(self):
        methods = "attention,occlusion,saliency,grad_input"
        plot = os.path.join(self.dir, "curves.png")
        one = self.run_script("--lines", "4", "--methods", methods, "--json", "--jobs", "1", "--plot", plot)
        report = json.loads(one.stdout)
        self.assertEqual(report["sentences"], 4)
        self.assertEqual(set(report["results"]), set(methods.split(",")) | {"random"})
        for m, r in report["results"].items():
            for key in ("aopc_deletion", "aopc_insertion"):
                self.assertTrue(math.isfinite(r[key]), f"{m} {key}")
            if m != "random":
                rho = r["randomization_rho"]
                self.assertTrue(rho is None or -1.0 <= rho <= 1.0)
            self.assertEqual(len(report["curves"][m]["deletion"]), 11)
        self.assertIn(b"faithfulness.py: attributions, trained model: 4/4 lines", one.stderr)
        self.assertTrue(os.path.getsize(plot) > 1000)
        # several processes at a time, the same report
        many = self.run_script("--lines", "4", "--methods", methods, "--json", "--jobs", "3", "--quiet")
        self.assertEqual(json.loads(many.stdout), report)
        self.assertEqual(many.stderr, b"")
        # --replot: one figure from two reports
        first = os.path.join(self.dir, "a.json")
        with open(first, "w") as f:
            f.write(one.stdout.decode())
        ig = self.run_script("--lines", "2", "--methods", "ig", "--json", "--quiet", "--ig-steps", "4")
        second = os.path.join(self.dir, "b.json")
        with open(second, "w") as f:
            f.write(ig.stdout.decode())
        combined = os.path.join(self.dir, "combined.png")
        self.run_script("--replot", first, second, "--plot", combined)
        self.assertTrue(os.path.getsize(combined) > 1000)


if __name__ == "__main__":
    unittest.main()
