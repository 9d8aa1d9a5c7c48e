"""Alignments from any method (--align-method, --align-threshold, --align-prior, --symmetrize, --reverse-model;
src/cli/align.h): the link rules, the prior and the symmetrizations of the C code against scripts/aer.py's
Python on hand-made and random
matrices (tests/bin/test_align --links), the tool's links against the same rules applied to its own JSONL
matrices, with a reverse-direction fixture model (word level and subword), and the errors."""
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

import tinymodel
from clitools import BINARY, ROOT, child_env, fixture, run, timeout, wrapper

sys.path.insert(0, os.path.join(ROOT, "scripts"))

import aer  # noqa: E402

UNIT_DIRS = [os.environ.get("RNNSEARCH_UNIT_DIR") or "", os.path.join("tests", "bin")]
TOOL = next((os.path.join(ROOT, d, "test_align") for d in UNIT_DIRS
             if d and os.access(os.path.join(ROOT, d, "test_align"), os.X_OK)),
            os.path.join(ROOT, "tests", "bin", "test_align"))
RULES = ("rows", "columns", "intersection", "union", "grow-diag-final")


def row_links(matrix, first, count, nulls, threshold=None):
    """(row, word column) links of each row: threshold, else the first largest (over all columns when nulls,
    a largest outside the words giving none)."""
    links = set()
    for r, row in enumerate(matrix):
        if threshold is not None:
            links.update((r, c - first) for c in range(first, first + count) if row[c] >= threshold)
            continue
        columns = range(len(row)) if nulls else range(first, first + count)
        if not columns:
            continue
        best = max(columns, key=lambda c: (row[c], -c))
        if first <= best < first + count:
            links.add((r, best - first))
    return links


METHODS = ("attention", "occlusion", "saliency", "grad_input", "ig")  # rs_method's order


def expected_rules(matrix, first, count, nulls, threshold=None, method="occlusion", tension=None):
    """The five link sets the tool prints, by scripts/aer.py's rules (its apply_prior and grow_diag_final)."""
    if tension is not None:
        matrix, nulls = aer.apply_prior(matrix, first, count, method, tension), False
    forward = row_links(matrix, first, count, nulls, threshold)
    if threshold is not None:
        backward = set(forward)
    else:
        _, backward = aer.directional_links(matrix, first, count)
    return [forward, backward, forward & backward, forward | backward, aer.grow_diag_final(forward, backward)]


def parse_links(text):
    """Pharaoh "s-t" pairs -> {(t, s)}."""
    return {(int(p.split("-")[1]), int(p.split("-")[0])) for p in text.split()}


@unittest.skipUnless(os.path.exists(TOOL), "tests/bin/test_align is not built")
class RulesTest(unittest.TestCase):
    """C against Python, case by case."""

    def run_tool(self, cases):
        text = ""
        for matrix, first, count, nulls, threshold, *prior in cases:
            method, tension = prior or ("occlusion", None)
            width = len(matrix[0]) if matrix else first + count
            text += f"{len(matrix)} {width} {first} {count} {int(nulls)} {int(threshold is not None)} " \
                    f"{threshold if threshold is not None else 0} {METHODS.index(method)} " \
                    f"{tension if tension is not None else -1}\n"
            text += "".join(" ".join(repr(x) for x in row) + "\n" for row in matrix)
        done = subprocess.run(wrapper() + [TOOL, "--links"], input=text.encode(), capture_output=True,
                              timeout=timeout())
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        lines = done.stdout.decode().split("\n")
        self.assertEqual(len(lines), 5 * len(cases) + 1)
        return [lines[5 * k:5 * k + 5] for k in range(len(cases))]

    def check(self, cases):
        for case, got in zip(cases, self.run_tool(cases)):
            want = expected_rules(*case)
            for rule, g, w in zip(RULES, got, want):
                self.assertEqual(parse_links(g), w, f"{rule} of {case}")

    def test_hand_made(self):
        diagonal = [[0.9, 0.1, 0.0], [0.0, 0.3, 0.7], [0.1, 0.2, 0.8]]
        with_ends = [[0.0, 0.9, 0.1, 0.0, 0.0], [0.0, 0.0, 0.3, 0.2, 0.5], [0.0, 0.1, 0.2, 0.7, 0.0]]
        ties = [[0.5, 0.5], [0.5, 0.5]]
        # grow-diag-final's growth along a diagonal and its final step for an unaligned row and column
        band = [[0.6, 0.4, 0.0, 0.0], [0.5, 0.0, 0.5, 0.0], [0.0, 0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 1.0],
                [0.25, 0.25, 0.25, 0.25]]
        negative = [[-1.0, -0.5, -2.0], [-0.25, -3.0, -0.75]]
        self.check([(diagonal, 0, 3, False, None), (with_ends, 1, 3, True, None), (with_ends, 1, 3, False, None),
                    (ties, 0, 2, False, None), (band, 0, 4, False, None), (negative, 0, 3, False, None),
                    (diagonal, 0, 3, False, 0.2), (with_ends, 1, 3, True, 0.3)])

    def test_random(self):
        rng = random.Random(11)
        cases = []
        for _ in range(300):
            rows, count = rng.randint(1, 9), rng.randint(1, 9)
            first, last = rng.randint(0, 1), rng.randint(0, 1)
            # multiples of 1/8 are exact in float32 and tie often
            matrix = [[rng.randint(-4, 8) / 8 for _ in range(first + count + last)] for _ in range(rows)]
            threshold = rng.choice([None, None, None, 0.5])
            cases.append((matrix, first, count, rng.random() < 0.5, threshold))
        self.check(cases)

    def test_prior(self):
        """--align-prior: the C softmax with its diagonal prior equals aer.apply_prior bit for bit (the links
        would differ on the near-ties otherwise), for scores read as log weights and as log-p differences."""
        rng = random.Random(12)
        cases = []
        for _ in range(300):
            rows, count = rng.randint(1, 9), rng.randint(1, 9)
            first, last = rng.randint(0, 1), rng.randint(0, 1)
            method = rng.choice(METHODS)
            low = 0 if method in ("attention", "saliency") else -40
            matrix = [[rng.randint(low, 80) / 16 for _ in range(first + count + last)] for _ in range(rows)]
            threshold = rng.choice([None, None, None, 0.3])
            cases.append((matrix, first, count, rng.random() < 0.5, threshold, method,
                          rng.choice([0.0, 0.5, 4.0, 4.0, 11.0])))
        # the prior alone: equal rows link along the diagonal
        cases.append(([[0.0] * 4 for _ in range(4)], 0, 4, False, None, "occlusion", 4.0))
        self.check(cases)
        flat = self.run_tool([cases[-1]])[0]
        self.assertEqual(flat[2], "0-0 1-1 2-2 3-3")


def jsonl(args, stdin):
    done = run(args, stdin)
    if done.returncode != 0:
        raise AssertionError(done.stderr.decode("utf-8", "replace"))
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]


def fold(matrix, row_word, col_word):
    """Word-level matrix: the mean over each row word's rows of the sums over each column word's columns."""
    rows, cols = max(row_word) + 1, max(col_word) + 1
    out = [[0.0] * cols for _ in range(rows)]
    counts = [0] * rows
    for r, row in enumerate(matrix):
        counts[row_word[r]] += 1
        for c, x in enumerate(row):
            out[row_word[r]][col_word[c]] += x
    return [[x / counts[u] for x in row] for u, row in enumerate(out)]


def words_of(obj, hyp, pieces):
    """(source word of each position, target word of each step) from a JSONL object: its word fields for a
    subword model, else every token is a word."""
    if pieces:
        return obj["source_word_of_piece"], hyp["target_word_of_piece"] + [len(hyp["target_words"])]  # eos
    return list(range(len(obj["source"]))), list(range(len(hyp["tokens"]) + 1))


def directional(obj, method, pieces, nulls, threshold):
    """The target words' links (row rule) of the forced hypothesis of obj, and the matrix at word level."""
    hyp = obj["hypotheses"][0]
    sw, tw = words_of(obj, hyp, pieces)
    words = fold(hyp[method], tw, sw)
    first = sw[1] if obj["source"][0] == "<s>" else 0
    count = max(sw) + 1 - first - 1  # eos is the last word
    targets = max(tw)  # eos is the last word
    return words[:targets], first, count


def expected_links(forward, backward, method, symmetrize, pieces, threshold=None, tension=None):
    """What --align-method METHOD --symmetrize RULE --reverse-model [--align-prior T] should print, from the two
    models' own JSONL matrices (forward: source -> target; backward: the reverse model forced on target ->
    source)."""
    nulls = method == "attention" and tension is None
    fm, ff, fc = directional(forward, method, pieces, nulls, threshold)
    bm, bf, bc = directional(backward, method, pieces, nulls, threshold)
    if tension is not None:
        fm, bm = aer.apply_prior(fm, ff, fc, method, tension), aer.apply_prior(bm, bf, bc, method, tension)
    f_links = row_links(fm, ff, fc, nulls, threshold)
    b_links = {(t, s) for s, t in row_links(bm, bf, bc, nulls, threshold)}
    return {"intersection": f_links & b_links, "union": f_links | b_links,
            "grow-diag-final": aer.grow_diag_final(f_links, b_links)}[symmetrize]


class ReverseModelTest(unittest.TestCase):
    """--reverse-model with fixture models of both directions."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rnnsearch-align-")
        cls.forward = os.path.join(cls.dir, "forward.json")
        cls.reverse = os.path.join(cls.dir, "reverse.json")
        words_src, words_tgt = ["ein", "hund", "katze", "sieht"], ["a", "dog", "cat", "sees"]
        tinymodel.write(cls.forward, tinymodel.build(src_words=words_src, tgt_words=words_tgt, seed=3))
        tinymodel.write(cls.reverse, tinymodel.build(src_words=words_tgt, tgt_words=words_src, seed=4))
        with open(fixture("subword.json"), encoding="utf-8") as f:
            sub = json.load(f)
        cls.subword = fixture("subword.json")
        cls.subword_reverse = os.path.join(cls.dir, "subword-reverse.json")
        reverse = tinymodel.build(config=sub["config"], src_words=sub["target"]["vocab"][3:],
                                  tgt_words=sub["source"]["vocab"][3:], seed=5,
                                  tokenizer={"source": sub["tokenizer"]["target"],
                                             "target": sub["tokenizer"]["source"]})
        tinymodel.write(cls.subword_reverse, reverse)
        cls.mismatched_tokenizer = os.path.join(cls.dir, "lowercase.json")
        tinymodel.write(cls.mismatched_tokenizer, tinymodel.build(src_words=words_tgt, tgt_words=words_src,
                                                                  tokenizer={"lowercase": True}))

    def compare(self, model, reverse, pairs, method, pieces, tension=None):
        explain = [] if method == "attention" else ["--explain=" + method]
        prior = ["--align-prior", repr(tension)] if tension is not None else []
        forward = jsonl(["-m", model, "--forced", "--format", "jsonl", "-a", "--no-split-sentences"] + explain,
                        "".join(f"{s}\t{t}\n" for s, t in pairs))
        for symmetrize in ("intersection", "union", "grow-diag-final"):
            got = jsonl(["-m", model, "--forced", "--format", "jsonl", "--no-split-sentences", "--align-method",
                         method, "--symmetrize", symmetrize, "--reverse-model", reverse] + prior,
                        "".join(f"{s}\t{t}\n" for s, t in pairs))
            for k, obj in enumerate(forward):
                hyp = obj["hypotheses"][0]
                backward_pair = (hyp["text"] if pieces else " ".join(hyp["tokens"]),
                                 pairs[k][0] if pieces else " ".join(obj["source"][:-1]))
                backward = jsonl(["-m", reverse, "--forced", "--format", "jsonl", "-a", "--no-split-sentences"]
                                 + explain, "\t".join(backward_pair) + "\n")[0]
                want = expected_links(obj, backward, method, symmetrize, pieces, tension=tension)
                self.assertEqual(parse_links(got[k]["hypotheses"][0]["alignment"]), want,
                                 f"{method} {symmetrize} line {k}")

    def test_word_level(self):
        pairs = [("ein hund sieht katze", "a dog sees a cat"), ("katze", "cat cat"),
                 ("hund ein ein", "dog"), ("sieht hund katze ein", "sees sees dog a")]
        for method in ("attention", "occlusion", "saliency", "grad_input"):
            self.compare(self.forward, self.reverse, pairs, method, False)
        for method in ("attention", "occlusion"):
            self.compare(self.forward, self.reverse, pairs, method, False, tension=4.0)

    def test_subword(self):
        with open(fixture("subword.in"), encoding="utf-8") as f:
            sources = [" ".join(line.split()) for line in f if line.strip()][:3]
        pairs = [(s, t) for s, t in zip(sources, ["The dog runs.", "Two children play.", "Tom lives in Berlin."])]
        for method in ("attention", "grad_input"):
            self.compare(self.subword, self.subword_reverse, pairs, method, True)
        self.compare(self.subword, self.subword_reverse, pairs, "attention", True, tension=2.5)

    def test_default_unchanged(self):
        """--align-method attention alone is plain --alignments."""
        with open(fixture("subword.in"), encoding="utf-8") as f:
            subword_lines = f.read()
        for model, lines in ((self.forward, "ein hund sieht katze\nkatze hund\n"), (self.subword, subword_lines)):
            for layout in (["--format", "jsonl"], ["-n", "3"]):
                plain = run(["-m", model, "-b", "3", "--alignments"] + layout, lines)
                again = run(["-m", model, "-b", "3", "--align-method", "attention"] + layout, lines)
                self.assertEqual(plain.returncode, 0)
                self.assertEqual(plain.stdout, again.stdout)

    def test_column_argmax(self):
        """Without a reverse model the second direction is the column argmax of the same matrix."""
        pair = "ein hund sieht katze\ta dog sees a cat\n"
        obj = jsonl(["-m", self.forward, "--forced", "--format", "jsonl", "--explain=occlusion"], pair)[0]
        matrix, first, count = directional(obj, "occlusion", False, False, None)
        for k, symmetrize in enumerate(("intersection", "union", "grow-diag-final")):
            got = jsonl(["-m", self.forward, "--forced", "--format", "jsonl", "--align-method", "occlusion",
                         "--symmetrize", symmetrize], pair)[0]
            self.assertEqual(parse_links(got["hypotheses"][0]["alignment"]),
                             expected_rules(matrix, first, count, False)[2 + k], symmetrize)
            self.assertNotIn("occlusion", got["hypotheses"][0])  # computed for the links, not shown
            got = jsonl(["-m", self.forward, "--forced", "--format", "jsonl", "--align-method", "occlusion",
                         "--symmetrize", symmetrize, "--align-prior", "4"], pair)[0]
            self.assertEqual(parse_links(got["hypotheses"][0]["alignment"]),
                             expected_rules(matrix, first, count, False, None, "occlusion", 4.0)[2 + k],
                             f"{symmetrize} --align-prior 4")

    def error(self, args, stdin, *fragments):
        done = run(args, stdin)
        self.assertEqual(done.returncode, 2, done.stderr)
        message = done.stderr.decode()
        self.assertEqual(message.count("\n"), 1, message)
        self.assertTrue(message.startswith("rnnsearch: "), message)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(done.stdout, b"")

    def test_errors(self):
        pair = "ein hund\ta dog\n"
        self.error(["-m", self.forward, "--align-method", "attn"], "ein\n", "--align-method: unknown method 'attn'")
        self.error(["-m", self.forward, "--symmetrize", "grow-diag"], "ein\n", "--symmetrize: unknown rule")
        for bad in ("-1", "abc", "", "inf", "1001"):
            self.error(["-m", self.forward, "--align-prior", bad], "ein\n", "--align-prior: expected a tension")
        self.error(["-m", self.forward, "--align-threshold", "x"], "ein\n", "--align-threshold: expected a number")
        self.error(["-m", self.forward, "--reverse-model", self.reverse], "ein\n", "needs --symmetrize")
        self.error(["-m", self.forward, "--symmetrize", "union", "--reverse-model", self.forward], "ein\n",
                   "its source vocabulary is not this model's target vocabulary")
        self.error(["-m", self.forward, "--symmetrize", "union", "--reverse-model", self.mismatched_tokenizer],
                   "ein\n", "tokenizer options")
        self.error(["-m", self.forward, "--symmetrize", "union", "--reverse-model", self.subword_reverse], "ein\n",
                   "--reverse-model")
        self.error(["-m", self.forward, "--symmetrize", "union", "--reverse-model",
                    os.path.join(self.dir, "absent.json")], "ein\n", "absent.json")
        self.error(["-m", self.forward, "--forced", "--max-source-tokens", "2", "--align-method", "attention"],
                   "ein hund\ta dog cat\n", "forced target of 3 tokens is longer than --max-source-tokens 2")
        self.error(["-m", self.forward, "--explain", "--align-method", "occlusion"], "ein\n",
                   "give --explain=METHODS")
        self.error(["-m", self.forward, "--tokenize", "--align-method", "occlusion"], "ein\n", "--tokenize")
        self.error(["--check", fixture("common.in"), "-m", self.forward, "--symmetrize", "union"], "",
                   "--check")
        # the reverse model's source limit is --max-source-tokens too: a longer search output cannot go across
        self.error(["-m", self.forward, "-b", "1", "--max-source-tokens", "1", "--max-length", "3",
                    "--symmetrize", "union", "--reverse-model", self.reverse], "ein\n",
                   "longer than --max-source-tokens 1")
        ok = run(["-m", self.forward, "--forced", "--align-method", "occlusion", "--symmetrize", "grow-diag-final",
                  "--reverse-model", self.reverse], pair)
        self.assertEqual(ok.returncode, 0, ok.stderr)


if __name__ == "__main__":
    unittest.main()
