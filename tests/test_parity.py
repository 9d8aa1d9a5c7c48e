"""./rnnsearch against the PyTorch reference: every fixture of tests/fixtures/manifest.json, decoded with the
same options, must give the same tokens, scores within 1e-4 and attention within 1e-5; and its beam of
vocabulary size must find the exhaustive best of the tiny model. Skipped when ./rnnsearch is not built. The
build under test is clitools' (make check-asan's and make check-valgrind's)."""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import naive  # noqa: E402
from clitools import BINARY, timeout, wrapper  # noqa: E402
from jsonl_compare import FIXTURES, compare, manifest, read_lines  # noqa: E402


def rnnsearch(args, stdin=None):
    return subprocess.run(wrapper() + [BINARY] + args, input=stdin, capture_output=True, timeout=timeout() * 2)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`): parity not tested")
class ParityTest(unittest.TestCase):
    def check_run(self, fixture, run, extra=(), stdin=False):
        model = os.path.join(FIXTURES, fixture["model"])
        source = os.path.join(FIXTURES, fixture["input"])
        # the reference translates each line as one sentence (splitting is tested in test_words.py)
        args = ["-m", model, "--format", "jsonl", "-a", "--no-split-sentences"] + run["args"] + list(extra)
        if stdin:
            with open(source, "rb") as f:
                result = rnnsearch(args, f.read())
        else:
            result = rnnsearch(args + [source])
        command = "./rnnsearch " + " ".join(args) + (" < " if stdin else " ") + source
        self.assertEqual(result.returncode, 0, f"{command}: {result.stderr.decode('utf-8', 'replace')}")
        got = result.stdout.decode("utf-8").split("\n")[:-1]
        problems = compare(read_lines(os.path.join(FIXTURES, run["expected"])), got)
        self.assertEqual(problems, [], f"{command} differs from {run['expected']}:\n  " + "\n  ".join(problems[:20]))

    def test_fixtures(self):
        for fixture in manifest():
            for run in fixture["runs"]:
                with self.subTest(fixture=fixture["name"], run=run["name"]):
                    self.check_run(fixture, run)

    def test_stdin_and_threads(self):
        fixture = manifest()[0]
        for run in fixture["runs"]:
            with self.subTest(run=run["name"], how="stdin"):
                self.check_run(fixture, run, stdin=True)
            with self.subTest(run=run["name"], how="2 threads"):
                self.check_run(fixture, run, extra=["-t", "2"])

    def test_beam_of_vocabulary_size_finds_exhaustive_best(self):
        path = os.path.join(FIXTURES, "tiny_exhaustive.json")
        slow = naive.NaiveModel(path)
        vocab = len(slow.tgt_vocab)
        with open(os.path.join(FIXTURES, "tiny.in"), "rb") as f:
            source = f.read()
        result = rnnsearch(["-m", path, "--format", "jsonl", "-b", str(vocab), "-n", str(vocab),
                            "--length-penalty", "0", "--max-length", "2"], source)
        self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace"))
        for line in result.stdout.decode("utf-8").split("\n")[:-1]:
            out = json.loads(line)
            if not out["source"]:
                continue
            everything = naive.enumerate_outputs(slow, slow.source_ids(out["source"]), 2)
            best_ids, best_score = max(everything, key=lambda e: e[1])
            words = [slow.tgt_vocab[i] for i in best_ids if i != slow.eos]
            top = out["hypotheses"][0]
            self.assertEqual(top["tokens"], words, f"line {out['id']}")
            self.assertAlmostEqual(top["score"], best_score, delta=1e-4)
            self.assertEqual(len(out["hypotheses"]), vocab)


if __name__ == "__main__":
    unittest.main()
