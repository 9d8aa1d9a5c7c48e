"""scripts/bleu.py against NLTK's corpus BLEU, sacreBLEU's own published test values, and the 13a rules.

  /usr/bin/python3 -m unittest tests/test_bleu.py     (or: /usr/bin/python3 tests/test_bleu.py)
"""
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
BLEU_PY = os.path.join(HERE, "..", "scripts", "bleu.py")
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))

import bleu  # noqa: E402

from nltk.translate import bleu_score as nltk_bleu  # noqa: E402

# Lowercase ASCII words: the 13a tokenizer and -lc leave them alone, so NLTK can score the same tokens. A small
# vocabulary makes 3- and 4-gram matches common enough that every order has some.
VOCAB = ("the a dog cat man woman child ball street water red blue big small runs sits plays jumps on in with "
         "at near and of two three").split()


def nltk_corpus_bleu(hyps, refs_per_segment, smoothing=None):
    """NLTK's score (0..1 -> 0..100) on whitespace tokens; refs_per_segment: a list of references per segment."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NLTK warns about zero counts; the tests look at those on purpose
        score = nltk_bleu.corpus_bleu([[ref.split() for ref in refs] for refs in refs_per_segment],
                                      [hyp.split() for hyp in hyps], smoothing_function=smoothing)
    return 100.0 * score


def mutate(rng, ref_tokens):
    """A plausible system output: the reference with random drops, substitutions, insertions and a swap."""
    out = []
    for token in ref_tokens:
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.25:
            out.append(rng.choice(VOCAB))
        else:
            out.append(token)
        if rng.random() < 0.08:
            out.append(rng.choice(VOCAB))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def random_corpus(rng, size, n_refs=1):
    """Segments whose hypotheses all have >= 4 tokens: NLTK counts a segment with fewer than n tokens as having
    one n-gram (its denominator is max(1, count)), sacreBLEU as having none, so such segments are kept out of
    the comparisons and tested separately."""
    hyps, refs = [], []
    while len(hyps) < size:
        segment_refs = [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(4, 18))) for _ in range(n_refs)]
        hyp = mutate(rng, segment_refs[0].split())
        if len(hyp) < 4:
            continue
        hyps.append(" ".join(hyp))
        refs.append(segment_refs)
    return hyps, refs


class Tokenizer13aTest(unittest.TestCase):
    """Expected outputs derived by hand from the mteval-v13a rules as sacreBLEU implements them (see the
    comments in bleu.py): symbols split; period/comma split unless between two digits; dash split after a
    digit; four entities unescaped; <skipped> dropped; single left-to-right non-overlapping regex passes."""

    CASES = [
        ("Hello, world!", "Hello , world !"),
        ("3.5", "3.5"),
        ("1,000.50", "1,000.50"),
        ("end.", "end ."),
        ("3.5.", "3.5 ."),
        # Each letter-period pair is split by the "after a non-digit" pass.
        ("U.S.A.", "U . S . A ."),
        ("a.5", "a . 5"),
        ("5.a", "5 . a"),
        # The "after a non-digit" pass consumes "a." and restarts at the second period, which is then followed
        # by a digit and so is never split: ".5" survives.
        ("a..5", "a . .5"),
        ("a.,b", "a . , b"),
        ("1-2", "1 - 2"),
        ("10-", "10 -"),
        ("e-mail", "e-mail"),
        ("a-1", "a-1"),
        ("-5", "-5"),
        ("1990s-era pre-1990", "1990s-era pre-1990"),
        ("don't", "don't"),
        ("it's (really) 50%", "it's ( really ) 50 %"),
        ("$1,000", "$ 1,000"),
        ("@user #tag", "@ user # tag"),
        ("A/B C++ ~home_dir", "A / B C + + ~ home _ dir"),
        ('"quoted"', '" quoted "'),
        ("&quot;Hi&quot;", '" Hi "'),
        ("a &lt;b&gt; c", "a < b > c"),
        ("fish &amp; chips", "fish & chips"),
        # Entities are unescaped once, &quot; before &amp;: "&amp;quot;" ends as the text "&quot;", whose "&"
        # and ";" are symbols.
        ("&amp;quot;", "& quot ;"),
        ("<skipped>text", "text"),
        ("word-\nbreak", "wordbreak"),
        ("two\nlines", "two lines"),
        ("  many   spaces\t", "many spaces"),
        ("x\u00a0y", "x y"),  # str.split() splits on NO-BREAK SPACE
        ("caf\u00e9.", "caf\u00e9 ."),
        # Only ASCII digits protect a period: Arabic-Indic digits are "non-digits" here.
        ("\u0663.\u0665", "\u0663 . \u0665"),
        ("\u00ab Bonjour \u00bb", "\u00ab Bonjour \u00bb"),  # non-ASCII punctuation is not split
        ("", ""),
    ]

    def test_cases(self):
        for text, expected in self.CASES:
            with self.subTest(text=text):
                self.assertEqual(bleu.tokenize_13a(text), expected)

    def test_preprocess_lowercases_before_tokenizing_and_strips_trailing_space(self):
        self.assertEqual(bleu.preprocess("The U.S.A. Rocks!  \n", lowercase=True), "the u . s . a . rocks !".split())
        self.assertEqual(bleu.preprocess("The End.", lowercase=False), ["The", "End", "."])


class SacreBleuPublishedValuesTest(unittest.TestCase):
    """Values from sacreBLEU's own test suite (test/test_bleu.py), computed there with its defaults."""

    def test_readme_example_two_references(self):
        refs = [["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
                ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."]]
        hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
        self.assertAlmostEqual(bleu.corpus_bleu(hyps, refs).score, 48.530827, delta=1e-6)
        # Empty hypotheses count (as zero-length segments), they are not dropped.
        self.assertEqual(bleu.corpus_bleu(["", "", ""], refs).score, 0.0)

    def test_statistics(self):
        stats = bleu.corpus_stats(["am I am a character sequence"], ["I am a symbol string sequence a a"])
        self.assertEqual(stats[2:6], [4, 2, 1, 0])
        self.assertEqual(stats[6:10], [6, 5, 4, 3])

    def test_scoring_from_statistics(self):
        score = bleu.bleu_from_stats([11, 11, 9, 7, 5, 3, 10, 8, 6, 4]).score
        self.assertAlmostEqual(score / 100, 0.8375922397, delta=1e-10)


class AgainstNltkTest(unittest.TestCase):
    def assertSameScore(self, ours, theirs):
        self.assertAlmostEqual(ours, theirs, delta=1e-9 * max(1.0, abs(theirs)))

    def test_random_corpora(self):
        rng = random.Random(20240501)
        hyps, refs = random_corpus(rng, 300)
        flat_refs = [r[0] for r in refs]
        result = bleu.corpus_bleu(hyps, flat_refs)
        self.assertTrue(all(p > 0 for p in bleu.corpus_stats(hyps, flat_refs)[2:6]))
        self.assertSameScore(result.score, nltk_corpus_bleu(hyps, refs))
        self.assertTrue(10 < result.score < 90, result)
        # Smaller corpora: some have an n-gram order without matches; there NLTK without smoothing gives ~0
        # and is not comparable, so those are compared with NLTK's method3, which is sacreBLEU's 'exp'.
        method3 = nltk_bleu.SmoothingFunction().method3
        smoothed = 0
        for _ in range(40):
            size = rng.randint(1, 12)
            start = rng.randrange(len(hyps) - size)
            sub_hyps, sub_refs = hyps[start:start + size], refs[start:start + size]
            ours = bleu.corpus_bleu(sub_hyps, [r[0] for r in sub_refs]).score
            counts = bleu.corpus_stats(sub_hyps, [r[0] for r in sub_refs])[2:6]
            if all(counts):
                self.assertSameScore(ours, nltk_corpus_bleu(sub_hyps, sub_refs))
            else:
                smoothed += 1
            self.assertSameScore(ours, nltk_corpus_bleu(sub_hyps, sub_refs, method3))
        self.assertGreater(smoothed, 0, "no corpus exercised smoothing; change the seed")

    def test_random_corpus_three_references(self):
        rng = random.Random(7)
        hyps, refs = random_corpus(rng, 200, n_refs=3)
        streams = [[segment[k] for segment in refs] for k in range(3)]
        self.assertSameScore(bleu.corpus_bleu(hyps, streams).score, nltk_corpus_bleu(hyps, refs))

    def test_brevity_penalty(self):
        # 4 + 5 hypothesis tokens against 6 + 8 reference tokens: BP = exp(1 - 14/9).
        hyps = ["the dog runs on", "a cat sits in water"]
        refs = ["the dog runs on the street", "a cat sits in water with a ball"]
        result = bleu.corpus_bleu(hyps, refs)
        self.assertAlmostEqual(result.bp, math.exp(1 - 14 / 9), delta=1e-15)
        self.assertEqual(result.lengths, (9, 14))
        self.assertSameScore(result.score, nltk_corpus_bleu(hyps, [[r] for r in refs]))
        # All n-grams match, so BLEU is the brevity penalty alone.
        self.assertAlmostEqual(result.score, 100 * math.exp(1 - 14 / 9), delta=1e-9)

    def test_longer_hypothesis_has_no_penalty(self):
        result = bleu.corpus_bleu(["the dog runs on the street today"], ["the dog runs on the street"])
        self.assertEqual(result.bp, 1.0)

    def test_closest_reference_length_prefers_shorter_on_tie(self):
        # Hypothesis of 5 tokens, references of 4 and 6: both at distance 1, the shorter (4) is used.
        self.assertEqual(bleu.closest_ref_len(5, [6, 4]), 4)
        hyps = ["the dog runs on water"]
        streams = [["the dog runs on the water"], ["the dog runs fast"]]
        result = bleu.corpus_bleu(hyps, streams)
        self.assertEqual(result.lengths, (5, 4))
        self.assertSameScore(result.score, nltk_corpus_bleu(hyps, [[s[0] for s in streams]]))

    def test_no_4gram_match_exp_smoothing(self):
        # hyp "the cat sat on mat" / ref "the cat sat in the mat": matches 4/5 unigrams, 2/4 bigrams ("the cat",
        # "cat sat"), 1/3 trigrams ("the cat sat"), 0/2 4-grams. NLTK without smoothing puts a tiny float in
        # place of the zero precision, so its score is ~1e-77 (effectively 0); sacreBLEU's 'exp' smoothing (the
        # NIST one of mteval-v13a, NLTK's method3) uses 1 / (2^k * total) for the k-th zero order instead:
        # p4 = 1 / (2 * 2) = 25%. BP = exp(1 - 6/5).
        hyps, refs = ["the cat sat on mat"], ["the cat sat in the mat"]
        result = bleu.corpus_bleu(hyps, refs)
        expected = math.exp(1 - 6 / 5) * (80.0 * 50.0 * (100 / 3) * 25.0) ** 0.25
        self.assertAlmostEqual(result.score, expected, delta=1e-9)
        self.assertEqual([round(p, 6) for p in result.precisions], [80.0, 50.0, 33.333333, 25.0])
        self.assertLess(nltk_corpus_bleu(hyps, [refs]), 1e-50)
        method3 = nltk_bleu.SmoothingFunction().method3
        self.assertSameScore(result.score, nltk_corpus_bleu(hyps, [refs], method3))

    def test_no_3gram_or_4gram_match_doubles_the_smoothing(self):
        # hyp "a b x c d" vs ref "a b y c d": unigrams 4/5, bigrams 2/4, trigrams 0/3,
        # 4-grams 0/2 -> p3 = 1/(2*3), p4 = 1/(4*2).
        hyps, refs = ["a b x c d"], ["a b y c d"]
        result = bleu.corpus_bleu(hyps, refs)
        self.assertAlmostEqual(result.precisions[2], 100 / 6, delta=1e-12)
        self.assertAlmostEqual(result.precisions[3], 100 / 8, delta=1e-12)
        expected = (80.0 * 50.0 * (100 / 6) * (100 / 8)) ** 0.25
        self.assertAlmostEqual(result.score, expected, delta=1e-9)
        method3 = nltk_bleu.SmoothingFunction().method3
        self.assertSameScore(result.score, nltk_corpus_bleu(hyps, [refs], method3))

    def test_no_match_at_all_is_zero(self):
        result = bleu.corpus_bleu(["a b c d"], ["e f g h"])
        self.assertEqual((result.score, result.precisions), (0.0, [0.0] * 4))
        self.assertEqual(nltk_corpus_bleu(["a b c d"], [["e f g h"]]), 0.0)

    def test_corpus_too_short_for_4grams_is_zero(self):
        # Every hypothesis has < 4 tokens: there are no 4-grams at all, so the 4-gram precision is 0 (not
        # smoothed) and so is BLEU, even though everything matches. NLTK differs here by design (it counts a
        # short segment as having one n-gram), so this is checked by hand only.
        result = bleu.corpus_bleu(["a b c", "d e"], ["a b c", "d e"])
        self.assertEqual(result.score, 0.0)
        self.assertEqual(result.precisions[:3], [100.0, 100.0, 100.0])

    def test_clipping(self):
        # Papineni et al.'s example: "the" x7 against a reference with two "the": unigram precision 2/7.
        stats = bleu.corpus_stats(["the the the the the the the"], ["the cat is on the mat"])
        self.assertEqual((stats[2], stats[6]), (2, 7))
        self.assertEqual(stats[3:6], [0, 0, 0])

    def test_case_and_tokenization(self):
        hyps, refs = ["The Dog runs on the Street."], ["the dog runs on the street ."]
        # exp(mean of 4 x log(100)) is 100.00000000000004 in floating point, in sacreBLEU too.
        self.assertAlmostEqual(bleu.corpus_bleu(hyps, refs, lowercase=True).score, 100.0, delta=1e-9)
        self.assertLess(bleu.corpus_bleu(hyps, refs).score, 99.0)
        self.assertAlmostEqual(bleu.corpus_bleu(["Hello, world! How are you?"],
                                                ["Hello , world ! How are you ?"]).score, 100.0, delta=1e-9)

    def test_errors(self):
        with self.assertRaises(bleu.BleuError):
            bleu.corpus_bleu(["a b"], ["a b", "c d"])
        with self.assertRaises(bleu.BleuError):
            bleu.corpus_bleu(["a b", "c d"], ["a b", ""])
        with self.assertRaises(bleu.BleuError):
            bleu.corpus_bleu([], [])


class CommandLineTest(unittest.TestCase):
    def run_bleu(self, *args, stdin=None):
        return subprocess.run([sys.executable, BLEU_PY, *args], input=stdin, capture_output=True, text=True)

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.ref = os.path.join(self.dir.name, "ref.txt")
        with open(self.ref, "w", encoding="utf-8") as f:
            f.write("The dog runs on the street.\nA cat sits in the water with a ball.\n")

    def tearDown(self):
        self.dir.cleanup()

    def test_line_and_options(self):
        hyps = "the dog runs on the street.\nA cat sits in water with a ball.\n"
        out = self.run_bleu(self.ref, stdin=hyps)
        self.assertEqual(out.returncode, 0, out.stderr)
        expected = bleu.format_bleu(bleu.corpus_bleu(hyps.splitlines(), [
            "The dog runs on the street.", "A cat sits in the water with a ball."]))
        self.assertEqual(out.stdout, expected + "\n")
        self.assertRegex(out.stdout, r"^BLEU = \d+\.\d\d (\d+\.\d/){3}\d+\.\d \(BP = \d\.\d{3} ratio = \d\.\d{3} "
                                     r"hyp_len = 16 ref_len = 17\)\n$")
        hyp_file = os.path.join(self.dir.name, "hyp.txt")
        with open(hyp_file, "w", encoding="utf-8") as f:
            f.write(hyps)
        lower = self.run_bleu(self.ref, hyp_file, "-lc", "--score-only")
        score = bleu.corpus_bleu(hyps.splitlines(), ["The dog runs on the street.",
                                                     "A cat sits in the water with a ball."], lowercase=True).score
        self.assertEqual(lower.stdout, f"{score:.2f}\n")

    def test_errors_exit_2(self):
        out = self.run_bleu(self.ref, stdin="only one line\n")
        self.assertEqual(out.returncode, 2)
        self.assertTrue(out.stderr.startswith("bleu.py: "), out.stderr)
        out = self.run_bleu(os.path.join(self.dir.name, "missing"), stdin="x\n")
        self.assertEqual(out.returncode, 2)


if __name__ == "__main__":
    unittest.main()
