"""The command line of ./rnnsearch, from the outside: every option of --help (short and long forms) with valid
values and their visible effect, invalid values and their one-line errors, exit statuses, input files and ids,
the default model (RNNSEARCH_MODEL, build tree, DATADIR) and `make install` / `make uninstall`.

Spec section 2 and the man page src/cli/rnnsearch.1 are the yardstick; the fixtures of tests/fixtures (random
models with PyTorch reference outputs) are the models. Runs under $RNNSEARCH_TEST_WRAPPER when set (see
clitools.py). Skipped when ./rnnsearch is not built."""
import csv
import glob
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clitools import BINARY, LENGTH_LIMIT_WARNING, ROOT, child_env, describe, fixture, run  # noqa: E402
from jsonl_compare import compare, read_lines  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import gen_width_tables  # noqa: E402

MODEL = fixture("bi2_additive.json")  # source vocabulary of German words, no bos, eos added
COMMON = fixture("common.in")  # 16 lines: empty, blank, long, unknown words
BOS_MODEL = fixture("tokenizer_bos.json")  # bos and eos added, punctuation split off
TOKENIZER_IN = fixture("tokenizer.in")
TINY = fixture("tiny_exhaustive.json")
TINY_IN = fixture("tiny.in")

NBEST_LINE = re.compile(r"(\d+) \|\|\| (.*) \|\|\| (-?\d+\.\d{6}) \|\|\| (-?\d+\.\d{6})")
PAIRS = re.compile(r"(\d+-\d+( \d+-\d+)*)?")
INT_MAX = 2**31 - 1


def read(path):
    with open(path, "rb") as f:
        return f.read()


def lines_of(data):
    """The lines of bytes/str output without their line ends (the last newline ends the last line)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    assert data == "" or data.endswith("\n"), f"output does not end in a newline: {data[-80:]!r}"
    return data.split("\n")[:-1]


def display_width(text):
    """Terminal columns of text, by the rules of scripts/gen_width_tables.py (which src/cli/width_tables.c holds)."""
    return sum(gen_width_tables.width(ord(c)) for c in text)


def column_ends(cells):
    """The display column where each white-space separated field of cells ends."""
    ends, column, inside = [], 0, False
    for c in cells:
        if c == " ":
            if inside:
                ends.append(column)
            inside = False
        else:
            inside = True
        column += display_width(c)
    if inside:
        ends.append(column)
    return ends


def makefile_version():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        return re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M).group(1)


def help_options(text):
    """(short or None, long, takes an argument) of each option line of --help."""
    found = []
    for m in re.finditer(r"^  (?:-(\w), )?[ ]*--([\w-]+)(?:[ =](\S+))?", text, re.M):
        found.append((m.group(1), m.group(2), m.group(3) is not None))
    return found


def hard_alignment(hypothesis, source, add_bos):
    """The Pharaoh pairs of the man page, from the attention of a JSONL hypothesis: target token t (eos
    excluded) goes to the source position of largest weight (the first on a tie), numbered among the
    tokenizer's tokens; a largest weight on an added bos or eos leaves t unaligned. None when two weights
    are too close to tell from the 9 printed digits."""
    pairs = []
    first = 1 if add_bos else 0
    for t in range(len(hypothesis["tokens"])):
        row = hypothesis["attention"][t]
        best = max(range(len(row)), key=lambda j: (row[j], -j))
        if any(j != best and abs(row[j] - row[best]) < 1e-7 for j in range(len(row))):
            return None
        if first <= best < len(source) - 1:  # eos is always the last source position
            pairs.append(f"{best - first}-{t}")
    return " ".join(pairs)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`): CLI not tested")
class CliTestCase(unittest.TestCase):
    maxDiff = 4000

    def ok(self, args, stdin=b"", env=None, cwd=None, binary=BINARY):
        """Runs rnnsearch, which must succeed without a word on standard error but the count of lines cut by
        the length limit (TruncationTest tests it); returns its stdout (str)."""
        result = run(args, stdin, binary=binary, env=env, cwd=cwd)
        stderr = LENGTH_LIMIT_WARNING.sub(b"", result.stderr)
        self.assertEqual((result.returncode, stderr), (0, b""), describe(args, result))
        return result.stdout.decode("utf-8")

    def jsonl(self, args, stdin=b"", **kw):
        return [json.loads(line) for line in lines_of(self.ok(["--format", "jsonl"] + args, stdin, **kw))]

    def error(self, args, status=2, stdin=b"", stdout_empty=True, env=None, cwd=None):
        """Runs rnnsearch, which must fail with status and exactly one line on standard error that starts
        with `rnnsearch: ` (and, for usage errors, nothing on stdout); returns that line without the prefix."""
        result = run(args, stdin, env=env, cwd=cwd)
        what = describe(args, result)
        self.assertEqual(result.returncode, status, what)
        if stdout_empty:
            self.assertEqual(result.stdout, b"", what)
        err = result.stderr.decode("utf-8", "replace")
        self.assertTrue(err.startswith("rnnsearch: "), what)
        self.assertTrue(err.endswith("\n") and err.count("\n") == 1, "not exactly one line on stderr: " + what)
        return err[len("rnnsearch: "):-1]

    def temp(self):
        directory = tempfile.mkdtemp(prefix="rnnsearch-cli-")
        self.addCleanup(shutil.rmtree, directory, True)
        return directory

    def write(self, directory, name, text):
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path


class HelpAndVersionTest(CliTestCase):
    def test_help_short_and_long(self):
        outputs = []
        for args in (["-h"], ["--help"], ["-b", "3", "--help"], ["--help", "no-such-file.txt"]):
            with self.subTest(args=args):
                # No model is needed: a broken RNNSEARCH_MODEL does not matter.
                out = self.ok(args, env=child_env(RNNSEARCH_MODEL="/nonexistent/model.json"))
                self.assertTrue(out.startswith("Usage: rnnsearch [OPTIONS] [FILE...]\n"), out[:200])
                self.assertIn("Exit status:", out)
                outputs.append(out)
        self.assertEqual(len(set(outputs)), 1)

    def test_help_lists_the_spec_options(self):
        options = {(short, long) for short, long, _ in help_options(self.ok(["--help"]))}
        for short, long in [("m", "model"), ("b", "beam"), ("n", "n-best"), (None, "max-length"),
                            (None, "format"), ("a", "attention"), (None, "align-csv"), (None, "check"),
                            ("t", "threads"), ("h", "help"), ("V", "version")]:
            self.assertIn((short, long), options)

    def test_every_help_option_is_tested(self):
        """A new option in --help needs tests: its literal forms, quoted, must appear in this file (or, for
        a first test, in another tests/test_*.py or tests/unit/*.c)."""
        paths = [os.path.abspath(__file__)] + glob.glob(os.path.join(HERE, "test_*.py")) + \
            glob.glob(os.path.join(HERE, "unit", "*.c"))
        source = ""
        for path in paths:
            with open(path, encoding="utf-8", errors="replace") as f:
                source += f.read()
        for short, long, _ in help_options(self.ok(["--help"])):
            with self.subTest(option=long):
                self.assertIn(f'"--{long}"', source, f"--{long} has no test in {__file__}")
                if short:
                    self.assertIn(f'"-{short}"', source, f"-{short} has no test in {__file__}")

    def test_help_options_are_in_the_man_page(self):
        with open(os.path.join(ROOT, "src", "cli", "rnnsearch.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        for short, long, _ in help_options(self.ok(["--help"])):
            with self.subTest(option=long):
                self.assertTrue(f"--{long}" in man, f"--{long} is not in src/cli/rnnsearch.1")
                if short:
                    self.assertTrue(f"-{short}" in man, f"-{short} is not in src/cli/rnnsearch.1")

    def test_version_short_and_long(self):
        version = makefile_version()
        for args in (["-V"], ["--version"]):
            with self.subTest(args=args):
                out = self.ok(args, env=child_env(RNNSEARCH_MODEL="/nonexistent"))
                self.assertRegex(out, f"^rnnsearch {re.escape(version)}\nkernels: (portable|avx2|avx512)\n$")
        self.assertEqual(self.ok(["-V"], env=child_env(RNNSEARCH_ISA="portable")).splitlines()[1],
                         "kernels: portable")
        with open(os.path.join(ROOT, "src", "cli", "rnnsearch.1"), encoding="utf-8") as f:
            self.assertIn(f'"rnnsearch {version}"', f.read(), "the man page's .TH names another version")


class SearchOptionsTest(CliTestCase):
    def test_beam_1_equals_the_reference_greedy_fixture(self):
        expected = read_lines(fixture("bi2_additive.b1.jsonl"))
        for beam in (["-b", "1"], ["--beam", "1"], ["--beam=1"], ["-b1"]):
            with self.subTest(beam=beam):
                got = lines_of(self.ok(beam + ["-m", MODEL, "--format", "jsonl", "-a", "--max-length", "10",
                                               COMMON]))
                self.assertEqual(compare(expected, got), [])
        text = lines_of(self.ok(["-m", MODEL, "-b", "1", "--max-length", "10", COMMON]))
        self.assertEqual(text, [json.loads(e)["hypotheses"][0]["text"] for e in expected])

    def test_beam_3_and_default_beam_5(self):
        expected = read_lines(fixture("bi2_additive.b3.jsonl"))
        got = lines_of(self.ok(["-m", MODEL, "--beam", "3", "--format", "jsonl", "-a", "--max-length", "10",
                                COMMON]))
        self.assertEqual(compare(expected, got), [])
        self.assertEqual(self.ok(["-m", MODEL, COMMON]), self.ok(["-m", MODEL, "-b", "5", COMMON]))

    def test_n_best_text_lines(self):
        """`ID ||| TEXT ||| SCORE ||| NORMALIZED_SCORE`, 0-based ids, best first (by the normalised score, the
        last field), N per decoded line: the reference's b4n3."""
        expected = [json.loads(line) for line in read_lines(fixture("bi2_additive.b4n3.jsonl"))]
        want = []
        for e in expected:
            if not e["source"]:
                want.append((e["id"], "", 0.0, 0.0))
            else:
                want += [(e["id"], h["text"], h["score"], h["normalized_score"]) for h in e["hypotheses"]]
        for n_best in (["-n", "3"], ["--n-best", "3"], ["--n-best=3"]):
            with self.subTest(n_best=n_best):
                out = lines_of(self.ok(["-m", MODEL, "-b", "4", "--max-length", "10"] + n_best + [COMMON]))
                got = []
                for line in out:
                    m = NBEST_LINE.fullmatch(line)
                    self.assertIsNotNone(m, f"not an n-best line: {line!r}")
                    got.append((int(m.group(1)), m.group(2), float(m.group(3)), float(m.group(4))))
                self.assertEqual([g[:2] for g in got], [w[:2] for w in want])
                for g, w in zip(got, want):
                    self.assertAlmostEqual(g[2], w[2], delta=1e-4)
                    self.assertAlmostEqual(g[3], w[3], delta=1e-4)
                for i in {g[0] for g in got}:  # sorted by the last field, the ranking score
                    ranks = [g[3] for g in got if g[0] == i]
                    self.assertEqual(ranks, sorted(ranks, reverse=True))
        # An undecoded line gives one line with an empty text and scores 0.
        self.assertEqual(lines_of(self.ok(["-m", MODEL, "-b", "2", "-n", "2"], "\n")),
                         ["0 |||  ||| 0.000000 ||| 0.000000"])

    def test_n_best_1_keeps_the_n_best_layout(self):
        """-n 1 given prints the n-best layout with one hypothesis (as Marian's --n-best); without -n, plain
        text."""
        plain = lines_of(self.ok(["-m", MODEL, "-b", "3", COMMON]))
        for flag in (["-n", "1"], ["--n-best", "1"]):
            with self.subTest(flag=flag):
                nbest = lines_of(self.ok(["-m", MODEL, "-b", "3"] + flag + [COMMON]))
                self.assertEqual(len(nbest), len(plain))
                for i, (line, text) in enumerate(zip(nbest, plain)):
                    m = NBEST_LINE.fullmatch(line)
                    self.assertIsNotNone(m, line)
                    self.assertEqual((int(m.group(1)), m.group(2)), (i, text))

    def test_n_best_jsonl_is_best_first(self):
        for obj in self.jsonl(["-m", MODEL, "-b", "5", "-n", "5", COMMON]):
            if not obj["source"]:
                continue
            hyps = obj["hypotheses"]
            self.assertEqual(len(hyps), 5)
            ranks = [h["normalized_score"] for h in hyps]
            self.assertEqual(ranks, sorted(ranks, reverse=True), f"line {obj['id']}")
        # n-best equal to the beam is allowed; one hypothesis is the default.
        self.ok(["-m", MODEL, "-b", "2", "-n", "2"], "ein hund\n")
        self.assertEqual(self.ok(["-m", MODEL, "-n", "1", "--format", "jsonl", COMMON]),
                         self.ok(["-m", MODEL, "--format", "jsonl", COMMON]))

    def test_max_length_truncates(self):
        long = self.jsonl(["-m", MODEL, "-b", "1", "-a", "--max-length", "10", COMMON])
        for limit in (1, 3):
            for beam in ("1", "3"):
                with self.subTest(limit=limit, beam=beam):
                    got = self.jsonl(["-m", MODEL, "-b", beam, "-a", "--max-length", str(limit), COMMON])
                    truncated = 0
                    for obj in got:
                        for h in obj["hypotheses"]:
                            self.assertLessEqual(len(h["attention"]), limit)  # eos included
                            truncated += len(h["tokens"]) == limit
                    self.assertGreater(truncated, 0, "no hypothesis reached the limit")
                    if beam == "1":  # greedy search stopped early: a prefix of the longer search
                        for short, full in zip(got, long):
                            tokens = short["hypotheses"][0]["tokens"]
                            self.assertEqual(tokens, full["hypotheses"][0]["tokens"][:len(tokens)])

    def test_max_length_factor(self):
        for factor in ("0.5", "1", "1.5"):
            with self.subTest(factor=factor):
                got = self.jsonl(["-m", MODEL, "-b", "1", "-a", "--max-length-factor", factor,
                                  "--max-length", "1000", COMMON])
                reached = 0
                for obj in got:
                    if obj["source"]:
                        limit = math.ceil(float(factor) * len(obj["source"]))
                        steps = len(obj["hypotheses"][0]["attention"])
                        self.assertLessEqual(steps, limit, f"line {obj['id']}")
                        reached += steps == limit
                self.assertGreater(reached, 0)
        # --max-length wins when it is the smaller limit.
        for obj in self.jsonl(["-m", MODEL, "-b", "1", "-a", "--max-length-factor", "100", "--max-length", "2",
                               COMMON]):
            self.assertLessEqual(len(obj["hypotheses"][0]["attention"]), 2)

    def test_length_penalty_and_factor_equal_the_reference(self):
        expected = read_lines(fixture("bi2_additive.b4n3_lp1_f15.jsonl"))
        got = lines_of(self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "4", "-n", "3",
                                "--length-penalty", "1.0", "--max-length-factor", "1.5", COMMON]))
        self.assertEqual(compare(expected, got), [])

    def test_length_penalty_changes_the_ranking(self):
        """`ein hund läuft`: the raw score prefers a 2-word translation, score / length^2 a 12-word one."""
        best = {}
        for penalty in ("0", "0.6", "2"):
            obj = self.jsonl(["-m", MODEL, "-b", "5", "-n", "5", "-a", "--length-penalty", penalty],
                             "ein hund läuft\n")[0]
            hyps = obj["hypotheses"]
            for h in hyps:
                steps = len(h["attention"])  # target length, eos included when emitted
                self.assertAlmostEqual(h["normalized_score"], h["score"] / steps ** float(penalty), delta=1e-9)
            ranks = [h["normalized_score"] for h in hyps]
            self.assertEqual(ranks, sorted(ranks, reverse=True))
            best[penalty] = hyps[0]["text"]
            text = lines_of(self.ok(["-m", MODEL, "-b", "5", "--length-penalty", penalty], "ein hund läuft\n"))
            self.assertEqual(text, [best[penalty]])
        self.assertEqual(best["0"], "dog not")
        self.assertGreater(len(best["2"].split()), 2)

    def test_beam_cap(self):
        for args in (["-b", "1001"], ["--beam", "5000"], ["--beam=1001"], ["-b1001"]):
            with self.subTest(args=args):
                message = self.error(["-m", MODEL] + args)
                self.assertIn("--beam", message)
                self.assertIn("at most 1000", message)
        # the largest beam: selection in O(K V log K) a step keeps it quick (the old O(K^2 V) took seconds)
        started = time.monotonic()
        objs = self.jsonl(["-m", MODEL, "-b", "1000", "-n", "1000", "--max-length", "4"], "ein hund läuft\n")
        self.assertLess(time.monotonic() - started, 30)
        scores = [h["normalized_score"] for h in objs[0]["hypotheses"]]
        self.assertGreater(len(scores), 100)
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_no_repeat_ngram(self):
        """No hypothesis holds an n-gram twice; 0 is the default (off); forced targets are not constrained."""
        def repeats(tokens, n):
            grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
            return len(grams) != len(set(grams))

        def hypotheses(args):
            return [h["tokens"] for obj in self.jsonl(["-m", MODEL, "--max-length", "20"] + args, long)
                    for h in obj["hypotheses"]]

        long = "ein mann und eine frau und ein mann und eine frau und ein hund\n" * 2 + read(COMMON).decode()
        free = hypotheses(["-b", "3", "-n", "3"])
        self.assertTrue(any(repeats(tokens, 2) for tokens in free), "the fixture should repeat itself")
        self.assertEqual(free, hypotheses(["-b", "3", "-n", "3", "--no-repeat-ngram", "0"]))
        for n in ("1", "2", "3"):
            for beam in ("1", "3"):
                with self.subTest(n=n, beam=beam):
                    got = hypotheses(["-b", beam, "-n", beam, "--no-repeat-ngram", n])
                    self.assertFalse([t for t in got if repeats(t, int(n))])
        self.assertNotEqual(free, hypotheses(["-b", "3", "-n", "3", "--no-repeat-ngram=2"]))
        forced = "ein hund\tdog dog dog dog\n"
        self.assertEqual(self.ok(["-m", MODEL, "--forced", "--no-repeat-ngram", "1"], forced),
                         self.ok(["-m", MODEL, "--forced"], forced))
        for value in ("-1", "x", "", "1.5", "99999999999999999999"):
            with self.subTest(value=value):
                message = self.error(["-m", MODEL, "--no-repeat-ngram", value])
                self.assertIn("--no-repeat-ngram", message)
                self.assertIn(value, message)

    def test_threads(self):
        want = lines_of(self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", COMMON]))
        for threads in (["-t", "2"], ["--threads", "2"], ["--threads=4"]):
            with self.subTest(threads=threads):
                got = lines_of(self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", COMMON] + threads))
                self.assertEqual(compare(want, got), [])

    def test_quantize(self):
        want = self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", COMMON])
        self.assertEqual(self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", "--quantize", "none", COMMON]),
                         want)
        int8 = self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", "--quantize=int8", COMMON])
        self.assertEqual(len(lines_of(int8)), len(lines_of(want)))
        for threads in ("1", "2"):  # int8 sums are exact integers: the split changes nothing either
            with self.subTest(threads=threads):
                self.assertEqual(self.ok(["-m", MODEL, "--format", "jsonl", "-a", "-b", "3", "--quantize", "int8",
                                          "-t", threads, "--batch-size", "1", COMMON]), int8)
        for bad in ("int4", "", "INT8"):
            with self.subTest(bad=bad):
                message = self.error(["-m", MODEL, "--quantize", bad])
                self.assertIn("--quantize: expected 'int8' or 'none'", message)


class OutputFormatsTest(CliTestCase):
    def test_format_text_is_the_default(self):
        for beam in ("1", "3"):
            self.assertEqual(self.ok(["-m", MODEL, "-b", beam, "--format", "text", COMMON]),
                             self.ok(["-m", MODEL, "-b", beam, COMMON]))
        self.assertEqual(self.ok(["-m", MODEL, "--format=text", COMMON]), self.ok(["-m", MODEL, COMMON]))

    def test_format_jsonl_fields(self):
        inputs = lines_of(read(COMMON))
        text = lines_of(self.ok(["-m", MODEL, "-b", "3", COMMON]))
        for args in (["--format", "jsonl"], ["--format=jsonl"]):
            out = lines_of(self.ok(["-m", MODEL, "-b", "3"] + args + [COMMON]))
            self.assertEqual(len(out), len(inputs))
            for n, line in enumerate(out):
                obj = json.loads(line)
                self.assertEqual(obj["id"], n)
                self.assertIsInstance(obj["source"], list)
                if inputs[n].strip():
                    self.assertEqual(obj["source"][-1], "</s>")  # the model adds eos
                    self.assertEqual(obj["source"][:-1], inputs[n].split())
                self.assertEqual(len(obj["hypotheses"]), 1)
                h = obj["hypotheses"][0]
                self.assertTrue({"tokens", "text", "score"} <= set(h), h.keys())
                self.assertNotIn("attention", h)
                self.assertNotIn("alignment", h)
                self.assertNotIn("</s>", h["tokens"])
                self.assertIsInstance(h["score"], float if obj["source"] else (int, float))
                self.assertEqual(h["text"], text[n])

    def test_attention_jsonl(self):
        for flag in ("-a", "--attention"):
            for obj in self.jsonl(["-m", MODEL, "-b", "3", "-n", "2", flag, COMMON]):
                for h in obj["hypotheses"]:
                    if not obj["source"]:
                        continue
                    self.assertIn(len(h["attention"]), (len(h["tokens"]), len(h["tokens"]) + 1))
                    for row in h["attention"]:
                        self.assertEqual(len(row), len(obj["source"]))
                        self.assertAlmostEqual(sum(row), 1.0, delta=1e-5)

    def test_attention_text_matrix(self):
        """Each translation, then a header of source tokens, one row of percentages per target step and an
        empty line (man page OUTPUT); the numbers are the JSONL weights, each column right-aligned to the
        display width of its token (at least 3), so that the matrix lines up and still splits on spaces."""
        objs = self.jsonl(["-m", MODEL, "-b", "3", "-a", COMMON])
        for flag in ("-a", "--attention"):
            out = lines_of(self.ok(["-m", MODEL, "-b", "3", flag, COMMON]))
            pos = 0
            for obj in objs:
                h = obj["hypotheses"][0]
                self.assertEqual(out[pos], h["text"])
                pos += 1
                if not obj["source"]:
                    continue
                targets = h["tokens"] + ["</s>"] * (len(h["attention"]) - len(h["tokens"]))
                width = max(1, max(display_width(t) for t in targets))
                widths = [max(3, display_width(s)) for s in obj["source"]]
                self.assertEqual(out[pos], " " * width + " |" + "".join(
                    " " + " " * (w - display_width(s)) + s for s, w in zip(obj["source"], widths)))
                for t, row in zip(targets, h["attention"]):
                    pos += 1
                    line = out[pos]
                    label, cells = line.split(" |", 1)
                    self.assertEqual(label, t + " " * (width - display_width(t)))
                    self.assertEqual(len(cells), sum(1 + w for w in widths), line)
                    numbers = cells.split()
                    self.assertEqual(len(numbers), len(row))
                    self.assertEqual(cells, "".join(" " + n.rjust(w) for n, w in zip(numbers, widths)))
                    for number, weight in zip(numbers, row):
                        self.assertLessEqual(abs(int(number) - 100 * weight), 0.5 + 1e-6, line)
                self.assertEqual(out[pos + 1], "")
                pos += 2
            self.assertEqual(pos, len(out))

    def test_attention_text_matrix_wide_and_combining(self):
        """Wide (East Asian) characters take two columns and combining marks none: the header's tokens end
        where their columns of numbers end, in display columns."""
        line = "日本語 x\u0301y ｶﾀｶﾅ ＡＢ e\n"
        out = lines_of(self.ok(["-m", MODEL, "-b", "1", "-a", "--max-length", "3"], line))
        header, rows = out[1], out[2:-1]
        ends = column_ends(header.split(" |", 1)[1])
        self.assertEqual(len(ends), 6)
        for row in rows:
            self.assertEqual(column_ends(row.split(" |", 1)[1]), ends, (header, row))
        self.assertEqual(display_width("日本語"), 6)
        self.assertEqual(display_width("x\u0301y"), 2)
        self.assertEqual(display_width("ｶﾀｶﾅ"), 4)  # halfwidth katakana: one column each

    def test_width_tables_up_to_date(self):
        """src/cli/width_tables.c is what scripts/gen_width_tables.py writes with this Python."""
        directory = self.temp()
        gen_width_tables.emit(directory)
        self.assertEqual(read(os.path.join(directory, "width_tables.c")),
                         read(os.path.join(ROOT, "src", "cli", "width_tables.c")))

    def csv_rows(self, data):
        text = data.decode("utf-8")
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\n", text.replace("\r\n", ""), "CSV lines must end in CRLF")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        self.assertEqual(rows[0], ["id", "hypothesis", "target_index", "target_token", "source_index",
                                   "source_token", "weight"])
        return rows[1:]

    def check_csv_against_jsonl(self, rows, objs):
        want = []
        for obj in objs:
            for k, h in enumerate(obj["hypotheses"]):
                if not obj["source"]:
                    continue
                targets = h["tokens"] + ["</s>"] * (len(h["attention"]) - len(h["tokens"]))
                for t, row in enumerate(h["attention"]):
                    for s, weight in enumerate(row):
                        want.append((obj["id"], k, t, targets[t], s, obj["source"][s], weight))
        self.assertEqual(len(rows), len(want))
        sums = {}
        for row, w in zip(rows, want):
            self.assertEqual(len(row), 7, row)
            got = (int(row[0]), int(row[1]), int(row[2]), row[3], int(row[4]), row[5])
            self.assertEqual(got, w[:6])
            weight = float(row[6])
            self.assertAlmostEqual(weight, w[6], delta=1e-7)
            digits = re.sub(r"e.*$", "", row[6].lower()).replace(".", "").replace("-", "").lstrip("0")
            # At least 6 significant digits, unless fewer represent the weight exactly (e.g. 0.5).
            self.assertTrue(len(digits) >= 6 or abs(float(row[6]) - w[6]) < 1e-9, row[6])
            sums[got[:3]] = sums.get(got[:3], 0.0) + weight
        for key, total in sums.items():
            self.assertAlmostEqual(total, 1.0, delta=1e-5, msg=f"step {key}")

    def test_align_csv_to_file_and_stdout(self):
        directory = self.temp()
        for model, source, args in ((MODEL, COMMON, ["-b", "3", "-n", "2"]),
                                    (BOS_MODEL, TOKENIZER_IN, ["-b", "1"])):
            with self.subTest(model=os.path.basename(model)):
                objs = self.jsonl(["-m", model, "-a"] + args + [source])
                path = os.path.join(directory, "out.csv")
                text = self.ok(["-m", model, "--align-csv", path] + args + [source])
                self.assertEqual(text, self.ok(["-m", model] + args + [source]), "translations changed")
                self.check_csv_against_jsonl(self.csv_rows(read(path)), objs)
                # '-': the CSV instead of the translations.
                to_stdout = run(["-m", model, "--align-csv", "-"] + args + [source])
                self.assertEqual((to_stdout.returncode, LENGTH_LIMIT_WARNING.sub(b"", to_stdout.stderr)), (0, b""))
                self.assertEqual(to_stdout.stdout, read(path))
                self.assertEqual(run(["-m", model, "--align-csv=-"] + args + [source]).stdout, read(path))

    def test_align_csv_quotes_commas_and_quotes(self):
        data = run(["-m", MODEL, "-b", "1", "--max-length", "2", "--align-csv", "-"],
                   'ein, "hund" läuft\n').stdout
        self.assertIn(b'0,0,0,dog,0,"ein,",', data)
        self.assertIn(b'0,0,0,dog,1,"""hund""",', data)
        rows = self.csv_rows(data)
        self.assertEqual([r[5] for r in rows[:4]], ["ein,", '"hund"', "läuft", "</s>"])
        # Split punctuation: the tokens `,` and `"` themselves.
        rows = self.csv_rows(run(["-m", BOS_MODEL, "-b", "1", "--align-csv", "-"], '"Das ist gut," sagte er.\n').stdout)
        self.assertIn(",", [r[5] for r in rows])
        self.assertIn('"', [r[5] for r in rows])

    def test_alignments_pharaoh(self):
        for model, source, add_bos in ((MODEL, COMMON, False), (BOS_MODEL, TOKENIZER_IN, True)):
            with self.subTest(model=os.path.basename(model)):
                objs = self.jsonl(["-m", model, "-b", "3", "-n", "2", "-a", "--alignments", source])
                checked = 0
                for obj in objs:
                    for h in obj["hypotheses"]:
                        self.assertTrue(PAIRS.fullmatch(h["alignment"]), h["alignment"])
                        tokens = len(obj["source"]) - 1 - add_bos
                        for pair in h["alignment"].split():
                            s, t = map(int, pair.split("-"))
                            self.assertLess(s, tokens)
                            self.assertLess(t, len(h["tokens"]))
                        want = hard_alignment(h, obj["source"], add_bos) if obj["source"] else ""
                        if want is not None:
                            self.assertEqual(h["alignment"], want, f"line {obj['id']}")
                            checked += 1
                self.assertGreater(checked, 10)
                # Text: `TEXT ||| PAIRS`, n-best: `ID ||| TEXT ||| SCORE ||| NORMALIZED_SCORE ||| PAIRS`.
                # An undecoded line gives an empty line, as without --alignments.
                text = lines_of(self.ok(["-m", model, "-b", "3", "--alignments", source]))
                self.assertEqual(text, [f"{o['hypotheses'][0]['text']} ||| {o['hypotheses'][0]['alignment']}"
                                        if o["source"] else "" for o in objs])
                nbest = lines_of(self.ok(["-m", model, "-b", "3", "-n", "2", "--alignments", source]))
                for line in nbest:
                    head, pairs = line.rsplit(" ||| ", 1)
                    self.assertTrue(NBEST_LINE.fullmatch(head), line)
                    self.assertTrue(PAIRS.fullmatch(pairs), line)


class InputsTest(CliTestCase):
    def test_files_and_stdin_with_ids_across_files(self):
        directory = self.temp()
        first = self.write(directory, "first.txt", "ein hund läuft\n\ndie frau\n")
        second = self.write(directory, "second.txt", "katze\n")
        piped = "der mann\nein kind\n"
        got = self.jsonl(["-m", MODEL, "-b", "1", first, "-", second], piped)
        self.assertEqual([o["id"] for o in got], list(range(6)))
        everything = read(first).decode() + piped + read(second).decode()
        self.assertEqual(compare([json.dumps(o) for o in self.jsonl(["-m", MODEL, "-b", "1", "-a"], everything)],
                                 lines_of(self.ok(["-m", MODEL, "-b", "1", "-a", "--format", "jsonl",
                                                   first, "-", second], piped))), [])
        # n-best ids count across the inputs too.
        ids = [int(NBEST_LINE.fullmatch(line).group(1))
               for line in lines_of(self.ok(["-m", MODEL, "-b", "2", "-n", "2", first, "-", second], piped))]
        self.assertEqual(sorted(set(ids)), list(range(6)))
        # Standard input as '-' alone, and with no FILE.
        self.assertEqual(self.ok(["-m", MODEL, "-"], piped), self.ok(["-m", MODEL], piped))

    def test_options_after_files_and_double_dash(self):
        directory = self.temp()
        self.write(directory, "-b", "ein hund\n")  # a file whose name looks like an option
        want = self.ok(["-m", MODEL, "-b", "1"], "ein hund\n")
        self.assertEqual(self.ok(["-m", MODEL, "--", "-b"], cwd=directory), self.ok(["-m", MODEL], "ein hund\n"))
        self.assertEqual(self.ok([os.path.join(directory, "-b"), "-m", MODEL, "-b", "1"]), want)

    def test_batch_size_does_not_change_results(self):
        for beam in ("1", "3"):
            want = lines_of(self.ok(["-m", MODEL, "-b", beam, "--format", "jsonl", "-a", COMMON]))
            for batch in (["--batch-size", "1"], ["--batch-size", "3"], ["--batch-size=1000"]):
                with self.subTest(beam=beam, batch=batch):
                    got = lines_of(self.ok(["-m", MODEL, "-b", beam, "--format", "jsonl", "-a", COMMON] + batch))
                    self.assertEqual(compare(want, got), [])

    def test_max_source_tokens_warns_and_truncates(self):
        directory = self.temp()
        path = self.write(directory, "in.txt", "ein hund läuft\nein\ndie frau sieht den ball\n")
        result = run(["-m", MODEL, "-b", "1", "--format", "jsonl", "--max-source-tokens", "2", path, "-"],
                     "der mann und die frau\n")
        self.assertEqual(result.returncode, 0, describe([], result))
        warnings = lines_of(LENGTH_LIMIT_WARNING.sub(b"", result.stderr))
        self.assertEqual(len(warnings), 3, warnings)
        for warning, where in zip(warnings, (f"{path}:1", f"{path}:3", "standard input:1")):
            self.assertTrue(warning.startswith("rnnsearch: "), warning)
            self.assertIn(where, warning)
            self.assertIn("--max-source-tokens", warning)
        got = [json.loads(line) for line in lines_of(result.stdout)]
        self.assertEqual([o["source"] for o in got],
                         [["ein", "hund", "</s>"], ["ein", "</s>"], ["die", "frau", "</s>"], ["der", "mann", "</s>"]])
        truncated = self.jsonl(["-m", MODEL, "-b", "1"], "ein hund\nein\ndie frau\nder mann\n")
        self.assertEqual([o["hypotheses"][0]["tokens"] for o in got], [o["hypotheses"][0]["tokens"] for o in truncated])
        # The long form with '=' and a limit no line reaches: no warning.
        self.ok(["-m", MODEL, "--max-source-tokens=1000", COMMON])

    def test_unreadable_input_file(self):
        message = self.error(["-m", MODEL, "/nonexistent/in.txt"])
        self.assertIn("/nonexistent/in.txt", message)
        # An error in the second file comes after the first file's translations.
        directory = self.temp()
        first = self.write(directory, "first.txt", "ein hund\n")
        message = self.error(["-m", MODEL, first, "/nonexistent/in.txt"], stdout_empty=False)
        self.assertIn("/nonexistent/in.txt", message)


class ForcedTest(CliTestCase):
    def test_forced_greedy_output_has_the_greedy_score_and_attention(self):
        inputs = [line for line in lines_of(read(COMMON)) if line.strip() and "\t" not in line]
        greedy = self.jsonl(["-m", MODEL, "-b", "1", "-a"], "".join(line + "\n" for line in inputs))
        pairs = "".join(f"{src}\t{o['hypotheses'][0]['text']}\n" for src, o in zip(inputs, greedy))
        forced = self.jsonl(["-m", MODEL, "--forced", "-a"], pairs)
        self.assertEqual(len(forced), len(greedy))
        for g, f in zip(greedy, forced):
            gh, fh = g["hypotheses"][0], f["hypotheses"][0]
            self.assertEqual(f["source"], g["source"])
            self.assertEqual(fh["tokens"], gh["tokens"])
            if len(gh["attention"]) == len(gh["tokens"]) + 1:  # eos emitted: the same sequence
                self.assertAlmostEqual(fh["score"], gh["score"], delta=1e-4)
                for fr, gr in zip(fh["attention"], gh["attention"]):
                    for x, y in zip(fr, gr):
                        self.assertAlmostEqual(x, y, delta=1e-5)
            self.assertEqual(len(fh["attention"]), len(fh["tokens"]) + 1)  # forced: eos always
        text = lines_of(self.ok(["-m", MODEL, "--forced"], pairs))
        # text output: the target and its score
        self.assertEqual([line.split(" ||| ")[0] for line in text], [o["hypotheses"][0]["text"] for o in greedy])
        for line, f in zip(text, forced):
            self.assertAlmostEqual(float(line.split(" ||| ")[1]), f["hypotheses"][0]["score"], delta=1e-6)

    def test_forced_ignores_length_limits_and_keeps_unknown_words(self):
        obj = self.jsonl(["-m", MODEL, "--forced", "--max-length", "1", "--max-length-factor", "0.1"],
                         "ein hund\tdog zebra dog dog\n")[0]
        self.assertEqual(obj["hypotheses"][0]["tokens"], ["dog", "zebra", "dog", "dog"])
        text = lines_of(self.ok(["-m", MODEL, "--forced", "--alignments"], "ein hund\tdog dog\n\n"))
        self.assertEqual(len(text), 2)
        self.assertTrue(re.fullmatch(r"dog dog \|\|\| -?\d+\.\d{6} \|\|\| " + PAIRS.pattern, text[0]), text[0])
        self.assertEqual(text[1], "")

    def test_forced_line_without_tab(self):
        message = self.error(["-m", MODEL, "--forced"], stdin="ein hund\tdog\nein hund\n", stdout_empty=False)
        self.assertIn("standard input:2", message)
        directory = self.temp()
        path = self.write(directory, "pairs.tsv", "ein hund\n")
        self.assertIn(f"{path}:1", self.error(["-m", MODEL, "--forced", path], stdout_empty=False))


class CheckTest(CliTestCase):
    def regression_file(self, directory, args, wrong_line=None):
        """source<TAB>output of rnnsearch with args for the lines of common.in; line wrong_line (1-based)
        expects something else."""
        inputs = [line for line in lines_of(read(COMMON)) if "\t" not in line]
        outputs = lines_of(self.ok(["-m", MODEL] + args, "".join(line + "\n" for line in inputs)))
        expected = list(outputs)
        if wrong_line:
            expected[wrong_line - 1] = "not what it says"
        text = "".join(f"{s}\t{o}\n" for s, o in zip(inputs, expected))
        return self.write(directory, "regression.tsv", text), inputs, outputs

    def test_check_passes(self):
        directory = self.temp()
        for args in (["-b", "1"], ["-b", "3"], ["-b", "3", "--alignments"]):
            with self.subTest(args=args):
                path, inputs, _ = self.regression_file(directory, args)
                out = self.ok(["-m", MODEL, "--check", path] + args)
                self.assertEqual(out, f"check: all {len(inputs)} lines match\n")
                self.assertEqual(self.ok(["-m", MODEL, f"--check={path}"] + args), out)

    def test_check_mismatch_exits_1_with_line_source_expected_got(self):
        directory = self.temp()
        path, inputs, outputs = self.regression_file(directory, ["-b", "3"], wrong_line=2)
        result = run(["-m", MODEL, "-b", "3", "--check", path])
        self.assertEqual(result.returncode, 1, describe([], result))
        self.assertEqual(result.stderr, b"")
        report = result.stdout.decode("utf-8")
        self.assertIn(f"{path}:2: differs at column 1\n  source:   {inputs[1]}\n  expected: not what it says\n"
                      f"  got:      {outputs[1]}\n            ^\n", report)
        self.assertEqual(lines_of(report)[-1], f"check: 1 of {len(inputs)} lines differ")
        # Other options give other outputs: a file made with -b 3 does not match -b 1 everywhere.
        path, inputs, _ = self.regression_file(directory, ["-b", "3"])
        result = run(["-m", MODEL, "-b", "1", "--check", path])
        self.assertEqual(result.returncode, 1, describe([], result))
        self.assertRegex(lines_of(result.stdout)[-1], rf"^check: \d+ of {len(inputs)} lines differ$")

    def test_check_malformed_or_missing_file_exits_2(self):
        directory = self.temp()
        path = self.write(directory, "bad.tsv", "ein hund\tdog\nno tab here\n")
        message = self.error(["-m", MODEL, "--check", path])
        self.assertIn(f"{path}:2", message)
        self.assertIn("/nonexistent.tsv", self.error(["-m", MODEL, "--check", "/nonexistent.tsv"]))


class DefaultModelTest(CliTestCase):
    """-m, else $RNNSEARCH_MODEL when set and not empty, else models/deu-eng.json next to the executable,
    else DATADIR/rnnsearch/deu-eng.json (installed: see InstallTest)."""

    def private_binary(self, with_model):
        directory = self.temp()
        binary = os.path.join(directory, "rnnsearch")
        shutil.copy2(BINARY, binary)
        if with_model:
            os.mkdir(os.path.join(directory, "models"))
            shutil.copy(TINY, os.path.join(directory, "models", "deu-eng.json"))
        return binary

    def test_resolution_order(self):
        binary = self.private_binary(with_model=True)
        sentence = "x y z\n"
        tiny = self.ok(["-m", TINY, "--format", "jsonl"], sentence)
        other = self.ok(["-m", MODEL, "--format", "jsonl"], sentence)
        self.assertNotEqual(tiny, other)
        cases = [([], {}, tiny),  # the build tree's models/deu-eng.json
                 ([], {"RNNSEARCH_MODEL": ""}, tiny),  # empty: as if unset
                 ([], {"RNNSEARCH_MODEL": MODEL}, other),  # the variable overrides
                 (["-m", TINY], {"RNNSEARCH_MODEL": MODEL}, tiny),  # -m overrides the variable
                 (["--model", MODEL], {}, other)]
        for args, env, want in cases:
            with self.subTest(args=args, env=env):
                self.assertEqual(self.ok(args + ["--format", "jsonl"], sentence, binary=binary,
                                         env=child_env(**env)), want)

    def test_model_by_name_and_search_order(self):
        """-m NAME and RNNSEARCH_MODEL=NAME: NAME.json from $RNNSEARCH_MODEL_PATH's directories in order, then
        models/ next to the executable; a file of that name, a '/' or a .json ending make it a path."""
        binary = self.private_binary(with_model=True)  # models/deu-eng.json = TINY
        first, second = self.temp(), self.temp()
        shutil.copy(MODEL, os.path.join(second, "deu-eng.json"))
        shutil.copy(MODEL, os.path.join(second, "other.json"))
        shutil.copy(TINY, os.path.join(first, "other.json"))
        sentence = "x y z\n"
        tiny = self.ok(["-m", TINY, "--format", "jsonl"], sentence)
        other = self.ok(["-m", MODEL, "--format", "jsonl"], sentence)
        path = f"{first}::{second}"  # an empty entry is skipped
        cases = [(["-m", "deu-eng"], {}, tiny),  # models/ next to the executable
                 (["--model", "deu-eng"], {"RNNSEARCH_MODEL_PATH": path}, other),  # the path comes first
                 (["-m", "other"], {"RNNSEARCH_MODEL_PATH": path}, tiny),  # the first directory wins
                 ([], {"RNNSEARCH_MODEL_PATH": second}, other),  # the default model is a name too
                 ([], {"RNNSEARCH_MODEL": "other", "RNNSEARCH_MODEL_PATH": second}, other)]
        for args, env, want in cases:
            with self.subTest(args=args, env=env):
                self.assertEqual(self.ok(args + ["--format", "jsonl"], sentence, binary=binary,
                                         env=child_env(**env)), want)
        # A file named like a model wins over the name (-m FILE keeps its meaning).
        shutil.copy(MODEL, os.path.join(first, "deu-eng"))
        self.assertEqual(self.ok(["-m", "deu-eng", "--format", "jsonl"], sentence, binary=binary, cwd=first), other)
        # Not found: one line naming the directories searched.
        message = self.error(["-m", "no-such-model"], stdin="x\n", env=child_env(RNNSEARCH_MODEL_PATH=first))
        self.assertIn("no-such-model", message)
        self.assertIn(first, message)
        self.assertIn("--list-models", message)
        self.assertIn("RNNSEARCH_MODEL", self.error([], stdin="x\n", env=child_env(RNNSEARCH_MODEL="nothing")))
        # A path is never searched for.
        self.assertIn("cannot open model", self.error(["-m", "deu-eng.json"], stdin="x\n", cwd=first))

    def test_list_models(self):
        binary = self.private_binary(with_model=True)
        extra = self.temp()
        shutil.copy(MODEL, os.path.join(extra, "deu-eng.json"))
        with open(os.path.join(extra, "broken.json"), "w") as f:
            f.write("{")
        real = read(os.path.join(ROOT, "models", "fra-eng.json")) if os.path.exists(
            os.path.join(ROOT, "models", "fra-eng.json")) else None
        if real:
            with open(os.path.join(extra, "fr.json"), "wb") as f:
                f.write(real)
        os.mkdir(os.path.join(extra, "dir.json"))  # not a file: not listed
        out = lines_of(self.ok(["--list-models"], binary=binary, env=child_env(RNNSEARCH_MODEL_PATH=extra)))
        self.assertEqual(out[0].split(), ["NAME", "LANGUAGES", "PATH"])
        rows = [re.split(r"  +", line) for line in out[1:]]
        models = os.path.join(os.path.dirname(binary), "models")
        want = [["broken", "?", os.path.join(extra, "broken.json")],
                ["deu-eng", "?", os.path.join(extra, "deu-eng.json") + " (default)"]]
        if real:
            want.append(["fr", "fr -> en", os.path.join(extra, "fr.json")])
        want.append(["deu-eng", "?", os.path.join(models, "deu-eng.json") + " (shadowed)"])
        self.assertEqual(rows, want)
        # Columns line up; nothing is loaded (a broken RNNSEARCH_MODEL does not matter); no input is read.
        self.assertEqual(len({line.index("PATH" if i == 0 else "/") for i, line in enumerate(out)}), 1, out)
        self.ok(["--list-models"], env=child_env(RNNSEARCH_MODEL="/nonexistent.json"))
        self.assertIn("--list-models", self.error(["--list-models=x"]))

    def test_missing_default_model_is_a_clear_error(self):
        binary = self.private_binary(with_model=False)
        result = run(["-b", "1"], "ein hund\n", binary=binary)
        if result.returncode == 0:
            self.skipTest("a model is installed in the DATADIR of ./rnnsearch")
        self.assertEqual(result.returncode, 2, describe([], result))
        self.assertEqual(result.stdout, b"")
        err = result.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertRegex(err, r"^rnnsearch: .*deu-eng\.json")
        self.assertIn("-m", err)
        self.assertIn("RNNSEARCH_MODEL", err)

    def test_unreadable_or_invalid_model(self):
        self.assertIn("/nonexistent/model.json",
                      self.error([], stdin="ein\n", env=child_env(RNNSEARCH_MODEL="/nonexistent/model.json")))
        for model in ("/nonexistent/model.json", COMMON, os.path.dirname(COMMON)):
            with self.subTest(model=model):
                self.assertIn(model, self.error(["-m", model], stdin="ein\n"))


class AnalysisOptionsTest(CliTestCase):
    """--heatmap, --color, --replace-unk, --stats, --explain: what --help promises, seen from outside (their
    own suites test the numbers in depth)."""

    def test_heatmap_single_file_and_per_line(self):
        directory = self.temp()
        stacked = os.path.join(directory, "all.svg")
        plain = self.ok(["-m", MODEL, "-b", "1", COMMON])
        self.assertEqual(self.ok(["-m", MODEL, "-b", "1", "--heatmap", stacked, COMMON]), plain)
        self.assertIn(b"<svg", read(stacked))
        pattern = os.path.join(directory, "line{id}.svg")
        self.ok(["-m", MODEL, "-b", "1", f"--heatmap={pattern}"], "ein hund\n\nkatze\n")
        self.assertEqual(sorted(f for f in os.listdir(directory) if f.startswith("line")),
                         ["line0.svg", "line2.svg"])  # the empty line 1 has no attention
        self.assertIn("--heatmap", self.error(["-m", MODEL, "--heatmap", ""]))
        self.assertIn("/nonexistent/x.svg", self.error(["-m", MODEL, "--heatmap", "/nonexistent/x.svg"],
                                                       stdin="ein\n", stdout_empty=False))

    def test_html(self):
        """The report itself is tested in test_html.py (data, escaping, a real browser); here: the file appears,
        standard output is unchanged, bad values are one-line errors before any model is read."""
        directory = self.temp()
        report = os.path.join(directory, "report.html")
        plain = self.ok(["-m", MODEL, "-b", "1", COMMON])
        self.assertEqual(self.ok(["-m", MODEL, "-b", "1", "--html", report, COMMON]), plain)
        self.assertTrue(read(report).startswith(b"<!DOCTYPE html>"))
        self.assertEqual(self.ok(["-m", MODEL, "-b", "1", f"--html={report}", "--explain", COMMON]),
                         self.ok(["-m", MODEL, "-b", "1", "--explain", COMMON]))
        self.assertIn(b'"occlusion"', read(report))
        for value in ("", "-"):
            with self.subTest(value=value):
                self.assertIn("--html", self.error(["-m", "/nonexistent/model.json", "--html", value]))
        self.assertIn("/nonexistent/r.html", self.error(["-m", MODEL, "--html", "/nonexistent/r.html"],
                                                        stdin="ein\n", stdout_empty=False))

    def test_color(self):
        plain = self.ok(["-m", MODEL, "-b", "1", "-a", COMMON])
        for args in (["--color", "never"], ["--colour", "never"], ["--color", "auto"], ["--color=auto"]):
            with self.subTest(args=args):  # standard output is a pipe here: auto means never
                self.assertEqual(self.ok(["-m", MODEL, "-b", "1", "-a", COMMON] + args), plain)
        self.assertIn("\x1b[", self.ok(["-m", MODEL, "-b", "1", "-a", "--color", "always", COMMON]))
        for value in ("sometimes", "", "ALWAYS"):
            with self.subTest(value=value):
                self.assertIn("--color", self.error(["-m", MODEL, "--color", value]))

    def test_replace_unk(self):
        """tiny_exhaustive emits <unk> often: each one becomes a token of its source line."""
        args = ["-m", TINY, "-b", "5", "-n", "5", "-a", TINY_IN]
        before, after = self.jsonl(args), self.jsonl(args + ["--replace-unk"])
        replaced = 0
        for b, a in zip(before, after):
            for hb, ha in zip(b["hypotheses"], a["hypotheses"]):
                self.assertEqual(len(hb["tokens"]), len(ha["tokens"]))
                for tb, ta in zip(hb["tokens"], ha["tokens"]):
                    if tb == "<unk>":
                        self.assertIn(ta, b["source"][:-1])
                        replaced += 1
                    else:
                        self.assertEqual(ta, tb)
        self.assertGreater(replaced, 0)
        self.assertNotIn("<unk>", self.ok(["-m", TINY, "-b", "5", "-n", "5", "--replace-unk", TINY_IN]))

    def test_stats(self):
        for obj in self.jsonl(["-m", MODEL, "-b", "3", "-a", "--stats", COMMON]):
            for h in obj["hypotheses"]:
                if not obj["source"]:
                    continue
                rows = h["attention"]
                self.assertEqual(len(h["entropy"]), len(rows))
                for entropy, row in zip(h["entropy"], rows):
                    self.assertAlmostEqual(entropy, -sum(p * math.log(p) for p in row if p > 0), delta=1e-5)
                self.assertEqual(len(h["coverage"]), len(obj["source"]))
                for j, coverage in enumerate(h["coverage"]):
                    self.assertAlmostEqual(coverage, sum(row[j] for row in rows), delta=1e-5)
        text = self.ok(["-m", MODEL, "-b", "1", "--stats"], "ein hund\n")
        self.assertIn("entropy", text)
        self.assertIn("coverage", text)

    def test_explain(self):
        for obj in self.jsonl(["-m", MODEL, "-b", "1", "--explain"], "ein hund läuft\ndie frau\n"):
            h = obj["hypotheses"][0]
            self.assertTrue({"occlusion", "rank_correlation", "mean_rank_correlation"} <= set(h), h.keys())
            self.assertTrue(all(-1 - 1e-9 <= r <= 1 + 1e-9 for r in h["rank_correlation"]))
            mean = sum(h["rank_correlation"]) / len(h["rank_correlation"])
            self.assertAlmostEqual(h["mean_rank_correlation"], mean, delta=1e-6)
        self.assertTrue(self.ok(["-m", MODEL, "-b", "1", "--explain"], "ein hund\n").strip())

    def test_word_scores(self):
        """--word-scores: log p per target step (summing to the score) and the output entropy (>= 0)."""
        for obj in self.jsonl(["-m", MODEL, "-b", "2", "-n", "2", "--word-scores"], "ein hund läuft\n\n"):
            for h in obj["hypotheses"]:
                self.assertEqual(len(h["word_scores"]), len(h["output_entropy"]))
                self.assertAlmostEqual(sum(h["word_scores"]), h["score"], delta=1e-5)
                self.assertTrue(all(e >= 0 for e in h["output_entropy"]))
        text = lines_of(self.ok(["-m", MODEL, "-b", "1", "--word-scores"], "ein hund\n"))
        self.assertTrue(text[1].startswith("logprob "), text)
        self.assertTrue(text[2].startswith("output_entropy "), text)
        self.assertIn("--word-scores", self.error(["-m", MODEL, "--word-scores=1"]))

    def test_explain_methods(self):
        """--explain=METHODS: a matrix per method named after it, rank correlations per method; --ig-steps N the
        fixed quadrature (tests/test_attribution.py checks the numbers)."""
        args = ["-m", MODEL, "-b", "1", "--explain=attention,occlusion,saliency,grad_input,ig", "--ig-steps", "4"]
        for obj in self.jsonl(args, "ein hund läuft\n"):
            h = obj["hypotheses"][0]
            for method in ("attention", "occlusion", "saliency", "grad_input", "ig"):
                self.assertEqual(len(h[method]), len(h["tokens"]) + 1)
            self.assertEqual(set(h["rank_correlations"]), {"occlusion", "saliency", "grad_input", "ig"})
        for value in ("1", "", "saliency,", "Saliency", "attention,,ig", "gradient"):
            with self.subTest(value=value):
                message = self.error(["-m", MODEL, f"--explain={value}"])
                self.assertIn("--explain", message)
                self.assertIn("unknown method", message)
        self.assertIn("at most 512", self.error(["-m", MODEL, "--explain=ig", "--ig-steps", "513"]))

    def test_heatmap_scale_and_method_panels(self):
        """--heatmap-scale row: the legend in fractions of the row maximum; --explain=METHODS adds a panel per
        method after each attention panel; bad values are usage errors."""
        directory = self.temp()
        path = os.path.join(directory, "h.svg")
        self.ok(["-m", MODEL, "-b", "1", "--heatmap", path, "--heatmap-scale", "row", "--explain=occlusion,ig"],
                "ein hund\n")
        with open(path, encoding="utf-8") as f:
            svg = f.read()
        self.assertIn("row max", svg)
        self.assertIn("0, occlusion: ", svg)
        self.assertIn("0, ig: ", svg)
        self.ok(["-m", MODEL, "-b", "1", "--heatmap", path, "--heatmap-scale", "global"], "ein hund\n")
        with open(path, encoding="utf-8") as f:
            self.assertNotIn("row max", f.read())
        for value in ("", "rows", "Row"):
            self.assertIn("--heatmap-scale", self.error(["-m", MODEL, "--heatmap-scale", value]))


class TokenizeTest(CliTestCase):
    """--tokenize prints what the encoder receives, one line per input line, and translates nothing."""

    def test_word_level_tokens_text_and_jsonl(self):
        lines = lines_of(self.ok(["-m", BOS_MODEL, "--tokenize"], "Ein Hund, läuft!\n\n   \nkatze\n"))
        self.assertEqual(lines, ["ein hund , lauft !", "", "", "katze"])
        objs = self.jsonl(["-m", BOS_MODEL, "--tokenize"], "Ein Hund, läuft!\n\n")
        self.assertEqual([o["id"] for o in objs], [0, 1])
        self.assertEqual(objs[0]["tokens"], ["ein", "hund", ",", "lauft", "!"])
        vocab = json.loads(read(BOS_MODEL))["source"]["vocab"]
        self.assertEqual(objs[0]["ids"], [vocab.index(t) if t in vocab else 0 for t in objs[0]["tokens"]])
        self.assertEqual(objs[0]["word_start"], [True] * 5)
        self.assertEqual(objs[1], {"id": 1, "tokens": [], "ids": [], "word_start": []})

    def test_subword_pieces_equal_sentencepiece(self):
        try:
            sys.path.insert(0, os.path.join(ROOT, "scripts"))
            import subword
        except ImportError:
            self.skipTest("python3-sentencepiece is not installed")
        model = fixture("subword.json")
        segmenter = subword.side_segmenter(json.loads(read(model))["tokenizer"], "source")
        text = "Ein Hund läuft im Park.\n  Quax 🐕 qq!\n\nDie Vögel singen 25 Lieder.\n"
        got = lines_of(self.ok(["-m", model, "--tokenize"], text))
        self.assertEqual(got, [" ".join(segmenter.encode(line)) for line in text.split("\n")[:-1]])
        for obj, line in zip(self.jsonl(["-m", model, "--tokenize"], text), text.split("\n")):
            self.assertEqual(obj["ids"], segmenter.sp.encode(line))
            self.assertEqual(obj["word_start"], [t.startswith("\u2581") for t in obj["tokens"]])

    def test_max_source_tokens_cuts_and_warns(self):
        result = run(["-m", BOS_MODEL, "--tokenize", "--max-source-tokens", "2"], "a b c d\n")
        self.assertEqual((result.returncode, result.stdout), (0, b"a b\n"), describe([], result))
        self.assertIn(b"4 tokens, only the first 2 are shown (--max-source-tokens)", result.stderr)

    def test_tokenize_excludes_translation_options(self):
        for extra in (["-a"], ["--align-csv", "-"], ["--forced"], ["-n", "2"], ["--stats"], ["--alignments"],
                      ["--explain=saliency"], ["--word-scores"]):
            with self.subTest(extra=extra):
                self.assertIn("--tokenize prints the source tokens", self.error(["--tokenize"] + extra))


class UsageErrorTest(CliTestCase):
    """Exit status 2, nothing on stdout and one line `rnnsearch: ...` on stderr, before any model is read."""

    INT_OPTIONS = [("-b", "--beam"), ("-n", "--n-best"), (None, "--max-length"), ("-t", "--threads"),
                   (None, "--batch-size"), (None, "--max-source-tokens"), (None, "--ig-steps")]
    BAD_INTS = ["0", "-1", "-7", "x", "", "5x", "1.5", "1e3", " 5", "0x10",
                "99999999999999999999", str(INT_MAX + 1)]
    BAD_NUMBERS = {"--max-length-factor": ["0", "-1", "-0.5", "x", "", "5x", "1.5.2", "nan", "inf", "-inf",
                                           "1e999", "99999999999999999999e999"],
                   "--length-penalty": ["-1", "-0.5", "x", "", "5x", "nan", "inf", "1e999", "-0.0001"]}

    def forms(self, short, long, value):
        forms = [[long, value], [f"{long}={value}"]]
        if short:
            forms += [[short, value]] + ([[short + value]] if value and not value.startswith(" ") else [])
        return forms

    def test_invalid_integers(self):
        for short, long in self.INT_OPTIONS:
            for value in self.BAD_INTS:
                for args in self.forms(short, long, value):
                    with self.subTest(args=args):
                        message = self.error(["-m", MODEL] + args)
                        self.assertIn(long, message)
                        self.assertIn(value, message)

    def test_valid_integer_limits(self):
        # INT_MAX itself is accepted where it costs nothing.
        for args in (["--max-length", str(INT_MAX)], ["--max-source-tokens", str(INT_MAX)],
                     ["--batch-size", str(INT_MAX)], ["-b", "1", "--max-length", "1"]):
            with self.subTest(args=args):
                self.ok(["-m", MODEL] + args, "ein hund\n")

    def test_invalid_numbers(self):
        for long, values in self.BAD_NUMBERS.items():
            for value in values:
                for args in self.forms(None, long, value):
                    with self.subTest(args=args):
                        message = self.error(["-m", MODEL] + args)
                        self.assertIn(long, message)
        # Valid: a zero length penalty, fractional and exponent forms.
        for args in (["--length-penalty", "0"], ["--length-penalty", "1e-3"], ["--max-length-factor", "2.5e-1"]):
            self.ok(["-m", MODEL] + args, "ein hund\n")

    def test_invalid_format(self):
        for value in ("xml", "", "JSONL", "json", "text "):
            with self.subTest(value=value):
                self.assertIn("--format", self.error(["-m", MODEL, "--format", value]))
        self.assertIn("--align-csv", self.error(["-m", MODEL, "--align-csv", ""]))
        self.assertIn("--model", self.error(["-m", ""]))

    def test_unknown_options(self):
        cases = [(["-x"], "'-x'"), (["--bogus"], "'--bogus'"), (["-ax"], "'-x'"), (["--attention", "-xa"], "'-x'"),
                 (["--bogus=1"], "--bogus"), (["-:"], "'-:'"), (["---"], "'---'")]
        for args, where in cases:
            with self.subTest(args=args):
                self.assertIn(where, self.error(["-m", MODEL] + args))
        for args in (["--help=3"], ["--attention=1"], ["--alignments=yes"], ["--forced=1"], ["--version=2"],
                     ["--replace-unk=1"], ["--stats=1"], ["--no-split-sentences=1"],
                     ["--piece-level=1"]):
            with self.subTest(args=args):
                message = self.error(["-m", MODEL] + args)
                self.assertIn(args[0].split("=")[0], message)
                self.assertIn("no argument", message)
        # An abbreviation that fits several options.
        message = self.error(["-m", MODEL, "--max", "3"])
        self.assertIn("--max", message)
        self.assertIn("ambiguous", message)

    def test_missing_arguments(self):
        options = ["-m", "--model", "-b", "--beam", "-n", "--n-best", "--max-length", "--max-length-factor",
                   "--length-penalty", "--format", "--align-csv", "--check", "-t", "--threads", "--batch-size",
                   "--max-source-tokens", "--heatmap", "--color", "--quantize", "--heatmap-scale", "--ig-steps"]
        for option in options:
            with self.subTest(option=option):
                message = self.error(["-m", MODEL, option])
                self.assertIn(f"'{option}'", message)
                self.assertIn("argument", message)
        self.assertIn("'-b'", self.error(["-m", MODEL, "-ab"]))

    def test_n_best_larger_than_beam(self):
        for args in (["-n", "6"], ["--n-best", "2", "-b", "1"], ["-b", "2", "-n", "3"], ["-n", "3", "--beam", "2"]):
            with self.subTest(args=args):
                message = self.error(["-m", MODEL] + args)
                self.assertIn("--n-best", message)
                self.assertIn("beam", message)

    def test_conflicting_options(self):
        directory = self.temp()
        tsv = self.write(directory, "ok.tsv", "ein hund\tdog\n")
        cases = [["--check", tsv, COMMON], ["--check", tsv, "-"], ["--check", tsv, "--format", "jsonl"],
                 ["--check", tsv, "-a"], ["--check", tsv, "--attention"], ["--check", tsv, "--align-csv", "-"],
                 ["--check", tsv, "-b", "2", "-n", "2"], ["--check", tsv, "-n", "1"], ["--forced", "--check", tsv],
                 ["--forced", "-b", "2", "-n", "2"], ["--check", tsv, "--stats"], ["--check", tsv, "--explain"],
                 ["--check", tsv, "--heatmap", "x.svg"]]
        for args in cases:
            with self.subTest(args=args):
                message = self.error(["-m", MODEL] + args)
                self.assertRegex(message, "--check|--forced")

    def test_output_file(self):
        # tests/test_reliability.py has the atomic writing and the refusals
        self.assertEqual(self.error(["-o", ""]), "--output: expected a file name ('-': standard output)")
        self.assertEqual(self.error(["--output"]), "option '--output' needs an argument (see rnnsearch --help)")

    def test_unwritable_align_csv(self):
        self.assertIn("/nonexistent/out.csv", self.error(["-m", MODEL, "--align-csv", "/nonexistent/out.csv"],
                                                         stdin="ein\n"))

    def test_only_check_mismatches_exit_1(self):
        """Status 1 is reserved to --check: all the failures above are 2 (asserted there); a run that
        translates is 0 even when a line could not be decoded."""
        self.ok(["-m", MODEL], "\n   \n\x00\xff\n")


class TruncationTest(CliTestCase):
    """Hypotheses cut by the length limit: JSONL "truncated", and a count on standard error at the end."""

    def test_truncated_flag_and_count(self):
        sentence = "ein hund\nein\n\ndie frau sieht den ball\n"
        for beam in ("1", "3"):
            with self.subTest(beam=beam):
                result = run(["-m", MODEL, "-b", beam, "-n", "1", "--format", "jsonl", "--max-length", "2"],
                             sentence)
                self.assertEqual(result.returncode, 0, describe([], result))
                objs = [json.loads(line) for line in lines_of(result.stdout)]
                cut = 0
                for obj in objs:
                    for h in obj["hypotheses"]:
                        # cut: no eos within the limit (the tokens fill it); the empty line is never cut
                        self.assertEqual(h["truncated"], len(h["tokens"]) == 2, h)
                    cut += obj["hypotheses"][0]["truncated"]
                self.assertGreater(cut, 0)
                self.assertEqual(result.stderr.decode(), f"rnnsearch: warning: {cut} of 4 lines hit the length "
                                                         "limit (--max-length 2)\n")
        # A line that ends with eos is not truncated (the tiny model ends every line at once).
        for obj in self.jsonl(["-m", TINY, "-b", "2", "-n", "2", "--max-length", "50"], "x y\n"):
            self.assertTrue(all(h["truncated"] is False for h in obj["hypotheses"]), obj)

    def test_count_names_the_limit_that_cut(self):
        result = run(["-m", MODEL, "-b", "1", "--max-length-factor", "0.5"], "ein hund läuft\n")
        self.assertEqual(result.stderr, b"rnnsearch: warning: 1 of 1 lines hit the length limit "
                                        b"(--max-length-factor 0.5)\n")
        # Both limits cut: a short line by --max-length, a long one by the factor.
        # (limits 1 and 2: this model emits no eos so early)
        result = run(["-m", MODEL, "-b", "1", "--max-length", "2", "--max-length-factor", "0.5"],
                     "ein\nein hund läuft den ball die frau\n")
        self.assertEqual(result.stderr, b"rnnsearch: warning: 2 of 2 lines hit the length limit "
                                        b"(--max-length 2, --max-length-factor 0.5)\n")
        # Forced targets are never truncated, whatever the limit.
        result = run(["-m", MODEL, "--forced", "--max-length", "1", "--format", "jsonl"], "ein hund\ta dog\n")
        self.assertEqual(result.stderr, b"")
        self.assertFalse(json.loads(result.stdout)["hypotheses"][0]["truncated"])


class QuietAndReportTimeTest(CliTestCase):
    REPORT = re.compile(r"rnnsearch: (\d+) lines, (\d+) target tokens in (\d+\.\d{3}) s: (\d+\.\d) lines/s, "
                        r"(\d+\.\d) target tokens/s\n")

    def test_quiet_silences_warnings_not_errors(self):
        args = ["-m", MODEL, "-b", "1", "--max-length", "2", "--max-source-tokens", "1"]
        loud = run(args, "ein hund läuft\n")
        self.assertEqual(len(lines_of(loud.stderr)), 2, loud.stderr)  # --max-source-tokens, length limit
        quiet = run(args + ["--quiet"], "ein hund läuft\n")
        self.assertEqual((quiet.returncode, quiet.stderr, quiet.stdout), (0, b"", loud.stdout))
        self.assertIn("/nonexistent", self.error(["--quiet", "-m", "/nonexistent/m.json"], stdin="ein\n"))
        self.assertIn("--quiet", self.error(["-m", MODEL, "--quiet=yes"]))

    def test_report_time(self):
        for extra in ([], ["--quiet"]):  # --quiet does not hide what was asked for
            with self.subTest(extra=extra):
                result = run(["-m", MODEL, "-b", "1", "--max-length", "10", "--report-time"] + extra + [COMMON])
                self.assertEqual(result.returncode, 0, describe([], result))
                report = LENGTH_LIMIT_WARNING.sub(b"", result.stderr).decode()
                m = self.REPORT.fullmatch(report)
                self.assertIsNotNone(m, report)
                objs = self.jsonl(["-m", MODEL, "-b", "1", "--max-length", "10", COMMON])
                self.assertEqual(int(m.group(1)), len(objs))
                self.assertEqual(int(m.group(2)), sum(len(o["hypotheses"][0]["tokens"]) for o in objs))
                self.assertEqual(result.stdout.decode(), self.ok(["-m", MODEL, "-b", "1", "--max-length", "10",
                                                                  COMMON]))
        self.assertIn("--report-time", self.error(["-m", MODEL, "--report-time=1"]))


@unittest.skipUnless(shutil.which("make") and shutil.which("cc"), "make or cc missing: install not tested")
class InstallTest(CliTestCase):
    """`make install` / `make uninstall` in a copy of the repository (with its build outputs, so that only
    main.c, which has DATADIR compiled in, is rebuilt), with a fixture as models/deu-eng.json."""

    @classmethod
    def setUpClass(cls):
        if not os.access(BINARY, os.X_OK):
            raise unittest.SkipTest("./rnnsearch is not built")
        cls.directory = tempfile.mkdtemp(prefix="rnnsearch-install-")
        cls.repo = os.path.join(cls.directory, "repo")
        os.mkdir(cls.repo)
        for name in ("Makefile", "rnnsearch"):
            shutil.copy2(os.path.join(ROOT, name), cls.repo)
        # not the other builds nor the suites' cache (tests/refcache.py), which suites running beside this one write
        others = shutil.ignore_patterns("asan", "fuzz", "coverage", "faults", "test-cache")
        for name in ("src", "build"):
            if os.path.isdir(os.path.join(ROOT, name)):
                shutil.copytree(os.path.join(ROOT, name), os.path.join(cls.repo, name), symlinks=True, ignore=others)
        os.mkdir(os.path.join(cls.repo, "models"))
        shutil.copy(MODEL, os.path.join(cls.repo, "models", "deu-eng.json"))
        shutil.copy(TINY, os.path.join(cls.repo, "models", "tiny-xx.json"))  # every models/*.json is installed

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, True)

    def make(self, *args):
        # A surrounding `make test` must not pass its job server or flags on.
        env = {k: v for k, v in child_env().items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        result = subprocess.run(["nice", "make", "--no-print-directory", "-C", self.repo] + list(args),
                                capture_output=True, env=env, timeout=600)
        self.assertEqual(result.returncode, 0, (result.stdout + result.stderr).decode("utf-8", "replace")[-3000:])

    def test_install_with_destdir_and_uninstall(self):
        dest = os.path.join(self.directory, "dest")
        self.make("install", f"DESTDIR={dest}", "PREFIX=/usr")
        binary = os.path.join(dest, "usr", "bin", "rnnsearch")
        man = os.path.join(dest, "usr", "share", "man", "man1", "rnnsearch.1")
        model = os.path.join(dest, "usr", "share", "rnnsearch", "deu-eng.json")
        self.assertTrue(os.access(binary, os.X_OK))
        # The man page names the real data directory (roff-escaped), not the placeholder of the source.
        source_man = read(os.path.join(ROOT, "src", "cli", "rnnsearch.1"))
        self.assertIn(b"$(DATADIR)/rnnsearch/deu\\-eng.json", source_man)
        self.assertEqual(read(man), source_man.replace(b"$(DATADIR)", b"/usr/share"))
        self.assertEqual(read(model), read(MODEL))
        self.assertEqual(read(os.path.join(os.path.dirname(model), "tiny-xx.json")), read(TINY))
        self.assertTrue(self.ok(["--version"], binary=binary).startswith(f"rnnsearch {makefile_version()}\nkernels: "))
        # DATADIR is /usr/share, not under DESTDIR: the binary must name that path.
        self.assertTrue(b"\0/usr/share\0" in read(binary), "DATADIR /usr/share is not compiled in")
        self.assertFalse(dest.encode() in read(binary), "DESTDIR is compiled in")
        self.make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
        for path in (binary, man, model, os.path.join(os.path.dirname(model), "tiny-xx.json"),
                     os.path.dirname(model)):
            self.assertFalse(os.path.exists(path), f"{path} is still there after make uninstall")

    def test_installed_binary_finds_its_default_model(self):
        prefix = os.path.join(self.directory, "prefix")
        self.make("install", f"PREFIX={prefix}")
        binary = os.path.join(prefix, "bin", "rnnsearch")
        self.assertFalse(os.path.exists(os.path.join(prefix, "bin", "models")))
        got = lines_of(self.ok(["-b", "1", "--max-length", "10", "--format", "jsonl", "-a", COMMON],
                               binary=binary))
        self.assertEqual(compare(read_lines(fixture("bi2_additive.b1.jsonl")), got), [])
        # Installed models by name, and listed.
        self.assertEqual(self.ok(["-m", "tiny-xx", "--format", "jsonl"], "x y\n", binary=binary),
                         self.ok(["-m", TINY, "--format", "jsonl"], "x y\n"))
        installed = os.path.join(prefix, "share", "rnnsearch")
        listing = lines_of(self.ok(["--list-models"], binary=binary))
        self.assertEqual([re.split(r"  +", line) for line in listing[1:]],
                         [["deu-eng", "?", os.path.join(installed, "deu-eng.json") + " (default)"],
                          ["tiny-xx", "?", os.path.join(installed, "tiny-xx.json")]])
        # RNNSEARCH_MODEL still overrides the installed model.
        self.assertEqual(self.ok(["--format", "jsonl"], "x y\n", binary=binary, env=child_env(RNNSEARCH_MODEL=TINY)),
                         self.ok(["-m", TINY, "--format", "jsonl"], "x y\n"))
        self.make("uninstall", f"PREFIX={prefix}")
        self.assertFalse(os.path.exists(binary))
        self.assertFalse(os.path.exists(os.path.join(prefix, "share", "rnnsearch")))


if __name__ == "__main__":
    unittest.main()
