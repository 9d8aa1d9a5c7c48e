"""scripts/rerank.py (noisy-channel re-ranking): weight 0 gives rnnsearch's own 1-best; with a weight, each line's
choice is the argmax of (S + W R) / |y|^alpha computed here from rnnsearch's n-best list and its own forced
scores of the bundled reverse model; one output line per input line, odd lines included; bad arguments exit 2
with one line."""
import math
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RNNSEARCH = os.path.join(ROOT, "rnnsearch")
SCRIPT = [sys.executable, os.path.join(ROOT, "scripts", "rerank.py")]
FORWARD, REVERSE = os.path.join(ROOT, "models", "fra-eng.json"), os.path.join(ROOT, "models", "eng-fra.json")
LINES = ["Je pense que je suis malade.", "Il a oublié son parapluie dans le train.", "", "Tom et Marie habitent à "
         "Londres. Il fait beau.", "\t", "Je ne comprends pas ce que tu dis.", "Où est la gare ?"]
INPUT = "".join(line + "\n" for line in LINES)


def run(cmd, text):
    return subprocess.run(cmd, input=text.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


@unittest.skipUnless(os.path.exists(FORWARD) and os.path.exists(REVERSE), "no bundled fra-eng / eng-fra models")
class RerankTestCase(unittest.TestCase):
    def rerank(self, *args):
        done = run(SCRIPT + ["-m", FORWARD, "-r", REVERSE] + list(args), INPUT)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        return done.stdout.decode().split("\n")[:-1]

    def test_weight_zero_is_the_beam_search_output(self):
        plain = run([RNNSEARCH, "-m", FORWARD, "-b", "5"], INPUT)
        self.assertEqual(self.rerank("-b", "5", "-w", "0"), plain.stdout.decode().split("\n")[:-1])

    def test_choice_is_the_argmax_of_the_combined_score(self):
        nbest = run([RNNSEARCH, "-m", FORWARD, "-b", "5", "-n", "5"], INPUT).stdout.decode().split("\n")[:-1]
        candidates = {}
        for line in nbest:
            i, text, score, normalized = line.split(" ||| ")
            candidates.setdefault(int(i), []).append((text, float(score), float(normalized)))
        reverse = {}
        for i, source in enumerate(LINES):
            for text, _, _ in candidates.get(i, []):
                if text.strip():
                    forced = run([RNNSEARCH, "-m", REVERSE, "--forced"], f"{text}\t{source.replace(chr(9), ' ')}\n")
                    reverse[i, text] = float(forced.stdout.decode().rsplit(" ||| ", 1)[1])
        changing = 0
        for weight in (0.3, 1.0, 3.0, 10.0):  # the larger weights change some line whatever the bundled model
            expected, changed = [], 0
            for i in range(len(LINES)):
                best, best_value = "", -math.inf
                for text, score, normalized in candidates.get(i, []):
                    if (i, text) in reverse:
                        value = (score + weight * reverse[i, text]) * normalized / score
                        if value > best_value:
                            best, best_value = text, value
                expected.append(best)
                changed += bool(candidates.get(i)) and best != candidates[i][0][0]
            changing += changed > 0
            self.assertEqual(self.rerank("-b", "5", "-w", str(weight)), expected, f"weight {weight}")
        self.assertGreater(changing, 0, "no weight changed a line: the test checks nothing")

    def test_n_best_lists_every_hypothesis_ranked(self):
        out = self.rerank("-b", "3", "--n-best")
        ids = [int(line.split(" ||| ")[0]) for line in out]
        self.assertEqual(sorted(set(ids)), list(range(len(LINES))))
        for i in set(ids):
            ranks = [float(line.rsplit(" ||| ", 1)[1]) for line in out if int(line.split(" ||| ")[0]) == i]
            self.assertEqual(ranks, sorted(ranks, reverse=True))

    def test_bad_arguments_exit_2_with_one_line(self):
        for args in (["-m", "no-such-model", "-r", REVERSE], ["-m", FORWARD, "-r", REVERSE, "-b", "0"],
                     ["-m", FORWARD, "-r", REVERSE, "/no/such/file"]):
            done = run(SCRIPT + args, INPUT)
            self.assertEqual(done.returncode, 2, args)
            self.assertEqual(done.stdout, b"")
            lines = [line for line in done.stderr.decode().split("\n") if line]
            self.assertTrue(lines[-1].startswith("rerank.py: "), lines)


if __name__ == "__main__":
    unittest.main()
