"""scripts/aer.py: the AER arithmetic on hand-made cases, gold parsing, the token -> gold word mapping on tricky
words and on SentencePiece pieces, hard links from attention rows, an end-to-end run on 20 Hansards pairs with a
tiny random model (both engines: --engine rnnsearch through a stand-in for `rnnsearch --forced` written here,
and the real binary when it has --forced), and the subword fixture's word links against rnnsearch's own."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, SCRIPTS)

import aer  # noqa: E402
import tinymodel  # noqa: E402
import tokenizer as tok  # noqa: E402

# The fra-eng model's tokenizer (scripts/train.py, corpus tatoeba).
TOKENIZER = {"lowercase": True, "split_punctuation": True, "source": {"split_elision": True},
             "target": {"capitalize": True}}
# The same with the sides swapped: an English -> French model's.
REVERSE_TOKENIZER = {"lowercase": True, "split_punctuation": True, "source": {},
                     "target": {"split_elision": True, "capitalize": True}}
SOURCE = tok.side_options(TOKENIZER, "source")
TARGET = tok.side_options(TOKENIZER, "target")
BINARY = os.path.join(ROOT, "rnnsearch")
# a small random model with SentencePiece BPE sides (README "Subword models")
SUBWORD = os.path.join(HERE, "fixtures", "subword.json")


def hansards_folder():
    import data
    try:
        folder = os.path.join(data.data_root(), "alignment", "hansards-enfr")
    except SystemExit:
        return None
    return folder if os.path.isfile(os.path.join(folder, "enfr.gold")) else None


class AerArithmeticTest(unittest.TestCase):
    def test_perfect(self):
        s = {(0, 0), (1, 2), (2, 1)}
        self.assertEqual(aer.aer([(s, s, s)]), (0.0, 1.0, 1.0))

    def test_empty(self):
        rate, precision, recall = aer.aer([(set(), {(0, 0), (1, 1)}, set())])
        self.assertEqual((rate, precision, recall), (1.0, 0.0, 0.0))

    def test_possible_links(self):
        sure, possible = {(0, 0)}, {(1, 1)}  # possible given without the sure link: P includes S anyway
        # A hits the sure link and the possible one: 1 - (1 + 2) / (2 + 1) = 0.
        self.assertEqual(aer.aer([({(0, 0), (1, 1)}, sure, possible)]), (0.0, 1.0, 1.0))
        # Only the possible one: 1 - (0 + 1) / (1 + 1); precision 1, recall 0.
        self.assertEqual(aer.aer([({(1, 1)}, sure, possible)]), (0.5, 1.0, 0.0))
        # A wrong link beside the sure one: 1 - (1 + 1) / (2 + 1).
        rate, precision, recall = aer.aer([({(0, 0), (0, 1)}, sure, possible)])
        self.assertAlmostEqual(rate, 1 / 3)
        self.assertEqual((precision, recall), (0.5, 1.0))

    def test_corpus_level_sums(self):
        # Counts add over sentences before the ratio: 1 - (1 + 1 + 0 + 0) / (1 + 1 + 1 + 1).
        rate, _, _ = aer.aer([({(0, 0)}, {(0, 0)}, set()), ({(5, 5)}, {(0, 0)}, set())])
        self.assertAlmostEqual(rate, 0.5)
        self.assertEqual(aer.aer([]), (0.0, 0.0, 0.0))

    def test_parse_gold(self):
        sure, possible = aer.parse_gold("1-1 2p3 4-2")
        self.assertEqual(sure, {(0, 0), (3, 1)})
        self.assertEqual(possible, {(0, 0), (1, 2), (3, 1)})
        with self.assertRaises(ValueError):
            aer.parse_gold("0-1")
        with self.assertRaises(ValueError):
            aer.parse_gold("1x2")


class TokenMappingTest(unittest.TestCase):
    def check(self, line, options, tokens, owners):
        words = aer.word_tokens(line, options)
        self.assertEqual(tok.tokenize(line, options), tokens)
        self.assertEqual(aer.map_tokens(tokens, words), (owners, True))

    def test_french_elision(self):
        self.check("L'homme est là .", SOURCE, ["l'", "homme", "est", "là", "."], [0, 0, 1, 2, 3])
        self.check("aujourd' hui", SOURCE, ["aujourd", "'", "hui"], [0, 0, 1])

    def test_english_words(self):
        self.check("I don't know , Mr. Speaker --", TARGET,
                   ["i", "don't", "know", ",", "mr", ".", "speaker", "-", "-"], [0, 1, 2, 3, 4, 4, 5, 6, 6])
        self.check("hon. members 's", TARGET, ["hon", ".", "members", "'", "s"], [0, 0, 1, 2, 2])

    def test_fallback_by_characters(self):
        words = [["a"], ["bc"]]
        self.assertEqual(aer.map_tokens(["ab", "c"], words), ([0, 1], False))
        self.assertEqual(aer.map_tokens(["abc"], words), ([0], False))
        self.assertEqual(aer.map_tokens(["ax"], words), (None, False))
        self.assertEqual(aer.map_tokens([], []), ([], True))


class PieceMappingTest(unittest.TestCase):
    """SentencePiece pieces to the gold's whitespace words."""
    MARK = aer.WORD_MARK

    def test_pieces_of_each_word(self):
        words = [["\u2581L", "'"], ["\u2581homme"], ["\u2581", "."]]
        self.assertEqual(aer.map_tokens(["\u2581L", "'", "\u2581homme", "\u2581", "."], words, self.MARK),
                         ([0, 0, 1, 2, 2], True))

    def test_by_characters(self):
        # the line's pieces cut elsewhere than each word's own: by characters, the mark being none; a piece that
        # is the mark alone opens the word of the characters after it
        words = [["\u2581ab"], ["\u2581c", "d"]]
        self.assertEqual(aer.map_tokens(["\u2581a", "b", "\u2581", "cd"], words, self.MARK), ([0, 0, 1, 1], False))
        self.assertEqual(aer.map_tokens(["\u2581x"], [["\u2581y"]], self.MARK), (None, False))
        self.assertEqual(aer.map_tokens(["\u2581"], [], self.MARK), (None, False))
        # a word-level token keeps U+2581 as a character of its own
        self.assertEqual(aer.map_tokens(["\u2581a"], [["a"]]), (None, False))

    def test_normalization_splits_a_gold_word(self):
        """SentencePiece's normalization makes a zero-width space a space, so the gold word "Hund<ZWSP>läuft" is
        two of the model's words; every piece still maps to the gold word it came from."""
        with open(SUBWORD, encoding="utf-8") as f:
            side = aer.Side(json.load(f)["tokenizer"], "source")
        line = "Ein Hund\u200bläuft ."
        pieces = side.tokenize(line)
        self.assertEqual(pieces, ["\u2581", "E", "in", "\u2581", "H", "und", "\u2581", "l", "ä", "u", "f", "t",
                                  "\u2581", "."])
        owners, exact = aer.map_tokens(pieces, side.word_tokens(line), self.MARK)
        self.assertEqual((owners, exact), ([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2], True))
        # rnnsearch's JSONL groups the pieces into its words: Ein Hund läuft . </s>
        word_of_piece = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 4]
        self.assertEqual(aer.model_word_owners(word_of_piece, 0, len(pieces), owners), [0, 1, 1, 2])
        self.assertIsNone(aer.model_word_owners(word_of_piece, 0, len(pieces), None))
        self.assertEqual(aer.model_word_owners(None, 0, 3, [0, 0, 1]), [0, 0, 1])  # word level: tokens are words
        # a subword matrix is folded into the gold words: the two model words' pieces make one column
        rows = [[0.1] * 14 + [0.6]]
        self.assertEqual(aer.word_rows(rows, 0, owners, [0], 3)[0][0], 0)
        for got, want in zip(aer.word_rows(rows, 0, owners, [0], 3)[0][1], [0.3, 0.9, 0.2, 0.6]):
            self.assertAlmostEqual(got, want)


class HardLinksTest(unittest.TestCase):
    # Two target tokens over source columns [w0, w1, eos].
    ROWS = [[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]]

    def test_methods(self):
        self.assertEqual(aer.token_links(self.ROWS, 0, 2, "argmax", 0.1), {(0, 0)})  # row 1 attends to eos
        self.assertEqual(aer.token_links(self.ROWS, 0, 2, "argmax-words", 0.1), {(0, 0), (1, 1)})
        self.assertEqual(aer.token_links(self.ROWS, 0, 2, "threshold", 0.15), {(0, 0), (0, 1), (1, 1)})
        # With bos in column 0 the tokens shift by one and bos never links.
        rows = [[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]
        self.assertEqual(aer.token_links(rows, 1, 1, "argmax", 0.1), set())
        self.assertEqual(aer.token_links(rows, 1, 1, "threshold", 0.25), {(0, 0), (1, 0)})

    def test_word_rows_sum_source_pieces_and_average_target_pieces(self):
        # bos, source tokens of words [0, 0, 1], eos; target tokens of words [0, 1, 1]
        rows = [[0.1, 0.2, 0.3, 0.3, 0.1], [0.0, 0.6, 0.2, 0.1, 0.1], [0.2, 0.0, 0.0, 0.4, 0.4]]
        grouped = aer.word_rows(rows, 1, [0, 0, 1], [0, 1, 1], 2)
        self.assertEqual([u for u, _ in grouped], [0, 1])
        for got, want in zip([r for _, r in grouped], [[0.1, 0.5, 0.3, 0.1], [0.1, 0.4, 0.25, 0.25]]):
            for x, y in zip(got, want):
                self.assertAlmostEqual(x, y)
        # target word 1 attends word 0 most (0.4 summed over its pieces), though its second piece does not
        self.assertEqual(aer.word_level_links(rows, 1, [0, 0, 1], [0, 1, 1], 2, "argmax", 0.1), {(0, 0), (1, 0)})
        self.assertEqual(aer.word_level_links(rows, 1, [0, 0, 1], [0, 1, 1], 2, "threshold", 0.26),
                         {(0, 0), (0, 1), (1, 0)})

    def test_word_links(self):
        # Target tokens of words [0, 0, 1], source tokens of words [0, 1, 1].
        links = {(0, 0), (1, 0), (2, 2), (2, 1)}
        self.assertEqual(aer.word_links(links, [0, 0, 1], [0, 1, 1]), {(0, 0), (1, 1)})


FAKE_BINARY = textwrap.dedent("""\
    #!/usr/bin/python3
    # Stands in for `rnnsearch -m MODEL --forced --format jsonl -a`: lines "source<TAB>target" in, one JSONL object
    # per line out with the forced hypothesis and its attention (target rows, then eos).
    import json, sys
    sys.path.insert(0, {scripts!r})
    import aer, reference, tokenizer as tok
    args = sys.argv[1:]
    assert args[:1] == ["-m"] and args[2:] == ["--forced", "--format", "jsonl", "-a", "--no-split-sentences"], args
    model = reference.load_model(args[1])
    lines = [line.rstrip("\\n").split("\\t") for line in sys.stdin]
    items = [(tok.tokenize(s, model.source_options), tok.tokenize(t, model.target_options)) for s, t in lines]
    rows, _ = aer.forced_torch(args[1], items)
    for k, (s, t) in enumerate(lines):
        source, _ = reference.prepare(model, s)
        hyp = {{"tokens": items[k][1], "text": t, "score": 0.0, "attention": rows[k]}}
        print(json.dumps({{"id": k, "source": source, "hypotheses": [hyp]}}, ensure_ascii=False))
    """)


@unittest.skipUnless(hansards_folder(), "the Hansards alignment data is not there (scripts/get-data.sh)")
class SymmetrisationTest(unittest.TestCase):
    """Links from any method's matrix: argmax per target row, per source column, and their symmetrisations."""

    # 3 target rows (eos row dropped) x [bos? no] 3 source tokens + eos column
    MATRIX = [[0.9, 0.05, 0.0, 0.05],
              [0.2, 0.3, 0.4, 0.1],
              [0.1, 0.6, 0.2, 0.1]]

    def test_directions(self):
        t2s, s2t = aer.directional_links(self.MATRIX, 0, 3)
        self.assertEqual(t2s, {(0, 0), (1, 2), (2, 1)})
        self.assertEqual(s2t, {(0, 0), (2, 1), (1, 2)})
        signed = [[-2.0, 1.0], [0.5, -0.5]]  # signed scores: the largest, not the largest magnitude
        self.assertEqual(aer.directional_links(signed, 0, 2), ({(0, 1), (1, 0)}, {(1, 0), (0, 1)}))

    def test_grow_diag_final(self):
        t2s = {(0, 0), (1, 1), (2, 3)}
        s2t = {(0, 0), (1, 1), (2, 2), (3, 3)}
        links = aer.grow_diag_final(t2s, s2t)
        self.assertTrue(t2s & s2t <= links <= t2s | s2t)
        self.assertIn((2, 2), links)  # diagonal neighbour of (1, 1), its row and column unaligned
        self.assertIn((3, 3), links)  # final: target 3 unaligned
        sym = aer.symmetrised(self.MATRIX, 0, 3)
        self.assertEqual(set(sym), set(aer.SYMMETRISATIONS))
        self.assertEqual(sym["intersection"], sym["target-argmax"] & sym["source-argmax"])

    def test_bos_column_never_links(self):
        t2s, s2t = aer.directional_links([[0.9, 0.1, 0.0]], 1, 1)
        self.assertEqual((t2s, s2t), ({(0, 0)}, {(0, 0)}))


@unittest.skipUnless(hansards_folder(), "the Hansards alignment data is not there (scripts/get-data.sh)")
class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        from model import RNNSearch, save_v1
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        folder = hansards_folder()
        pairs = aer.read_set(folder, 20)
        specials = ["<unk>", "<s>", "</s>", "<pad>"]
        src_vocab = specials + sorted({t for f, _, _, _ in pairs for t in tok.tokenize(f, SOURCE)})
        tgt_vocab = specials + sorted({t for _, e, _, _ in pairs for t in tok.tokenize(e, TARGET)})
        config = {"encoder": {"embedding_dim": 8, "hidden_size": 8, "num_layers": 1, "bidirectional": True},
                  "decoder": {"embedding_dim": 8, "hidden_size": 8, "num_layers": 1},
                  "bridge": "linear_tanh", "attention": {"score": "additive", "dim": 8},
                  "output": ["state", "context", "embedding"]}
        torch.manual_seed(7)
        model = RNNSearch(config, len(src_vocab), len(tgt_vocab))
        cls.model = os.path.join(cls.tmp.name, "tiny-fra-eng.json")
        save_v1(cls.model, model, src_vocab, tgt_vocab, tokenizer=TOKENIZER, dtype="f32",
                meta={"source_language": "fr", "target_language": "en"})
        # the English -> French direction, sides swapped (vocabularies and tokenizer): --reverse-model's rows
        torch.manual_seed(8)
        reverse = RNNSearch(config, len(tgt_vocab), len(src_vocab))
        cls.reverse = os.path.join(cls.tmp.name, "tiny-eng-fra.json")
        save_v1(cls.reverse, reverse, tgt_vocab, src_vocab, tokenizer=REVERSE_TOKENIZER, dtype="f32",
                meta={"source_language": "en", "target_language": "fr"})
        cls.fake = os.path.join(cls.tmp.name, "rnnsearch")
        with open(cls.fake, "w") as f:
            f.write(FAKE_BINARY.format(scripts=SCRIPTS))
        os.chmod(cls.fake, 0o755)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_aer(self, *args):
        done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "aer.py"), "-m", self.model, "--limit", "20"]
                              + list(args), capture_output=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        return done.stdout.decode("utf-8")

    def check_report(self, report):
        self.assertEqual(report["sentences"], 20)
        self.assertEqual(report["skipped"], 0)
        self.assertEqual(report["tokenization_mismatches"], 0)
        self.assertEqual(report["source_oov"], 0.0)  # the vocabularies came from these sentences
        for method in aer.METHODS:
            result = report["results"][method]
            for key in ("aer", "precision", "recall"):
                self.assertGreaterEqual(result[key], 0.0)
                self.assertLessEqual(result[key], 1.0)

    def test_torch_engine(self):
        pharaoh = os.path.join(self.tmp.name, "links.txt")
        report = json.loads(self.run_aer("--json", "--pharaoh", pharaoh))
        self.check_report(report)
        with open(pharaoh) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 20)
        pairs = aer.read_set(hansards_folder(), 20)
        count = 0
        for line, (f_line, e_line, _, _) in zip(lines, pairs):
            for link in line.split():
                i, j = map(int, link.split("-"))
                self.assertLess(i, len(e_line.split()))
                self.assertLess(j, len(f_line.split()))
                count += 1
        self.assertEqual(count, report["results"]["argmax"]["links"])
        # The table names the methods and the anchors.
        table = self.run_aer()
        self.assertIn("threshold >= 0.1", table)
        self.assertIn("fast_align", table)
        self.assertIn("grow-diag", table)

    def test_rnnsearch_engine_interface(self):
        folder = hansards_folder()
        pairs = aer.read_set(folder, 20)
        torch_report = aer.evaluate(self.model, pairs, "torch")
        fake_report = aer.evaluate(self.model, pairs, "rnnsearch", self.fake)
        self.check_report(fake_report)
        for method in aer.METHODS:
            self.assertEqual(torch_report["links"][method], fake_report["links"][method])

    def test_real_binary(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest("./rnnsearch is not built")
        help_text = subprocess.run([BINARY, "--help"], capture_output=True).stdout.decode("utf-8", "replace")
        if "--forced" not in help_text:
            self.skipTest("./rnnsearch has no --forced yet")
        pairs = aer.read_set(hansards_folder(), 20)
        c_report = aer.evaluate(self.model, pairs, "rnnsearch", BINARY)
        self.check_report(c_report)
        # The attention itself matches PyTorch's (hard links could flip on near-ties, so compare weights).
        items = [(tok.tokenize(f, SOURCE), tok.tokenize(e, TARGET)) for f, e, _, _ in pairs]
        torch_rows, _ = aer.forced_torch(self.model, items)
        c_out = aer.forced_rnnsearch(BINARY, self.model, [(f, e) for f, e, _, _ in pairs])
        for k, (source, tokens, rows) in enumerate(c_out):
            self.assertEqual(tokens, items[k][1])
            self.assertEqual(len(rows), len(torch_rows[k]))
            for got, want in zip(rows, torch_rows[k]):
                self.assertEqual(len(got), len(want))
                for x, y in zip(got, want):
                    self.assertAlmostEqual(x, y, delta=1e-4)

    def test_default_reverse_model_must_fit(self):
        """The default reverse model is used only when its vocabularies are the model's with the sides swapped."""
        self.assertTrue(aer.reverse_fits(self.model, self.reverse))
        self.assertTrue(aer.reverse_fits(self.reverse, self.model))
        self.assertFalse(aer.reverse_fits(self.model, self.model))

    def test_methods_and_reverse_model(self):
        """--methods with a reverse model: the tool's own symmetrisation of a method without a reverse model is
        aer.py's Python (column argmax of the same matrix), and the reverse-model rows are scored."""
        if not os.access(BINARY, os.X_OK):
            self.skipTest("./rnnsearch is not built")
        pairs = aer.read_set(hansards_folder(), 20)
        hyps = []
        outputs = aer.forced_rnnsearch(BINARY, self.model, [(f, e) for f, e, _, _ in pairs],
                                       ["--explain=occlusion"], hyps)
        for sym in ("intersection", "grow-diag-final"):
            tool = []
            aer.forced_rnnsearch(BINARY, self.model, [(f, e) for f, e, _, _ in pairs],
                                 ["--align-method", "occlusion", "--symmetrize", sym], tool)
            for k, (source, tokens, _) in enumerate(outputs):
                count = len(source) - 1  # no bos, one eos
                want = aer.symmetrised(hyps[k]["occlusion"][:-1], 0, count)[sym]
                self.assertEqual(aer.pharaoh_token_links(tool[k]["alignment"]), want, f"{sym} pair {k}")
            # --align-prior: the tool's links are the table's (apply_prior, then the same rules)
            tool = []
            aer.forced_rnnsearch(BINARY, self.model, [(f, e) for f, e, _, _ in pairs],
                                 ["--align-method", "occlusion", "--symmetrize", sym, "--align-prior", "4"], tool)
            for k, (source, tokens, _) in enumerate(outputs):
                count = len(source) - 1
                rows = aer.apply_prior(hyps[k]["occlusion"][:-1], 0, count, "occlusion", 4.0)
                self.assertEqual(aer.pharaoh_token_links(tool[k]["alignment"]), aer.symmetrised(rows, 0, count)[sym],
                                 f"{sym} --align-prior 4 pair {k}")
        results = aer.evaluate_reverse(self.model, self.reverse, pairs, BINARY, ["attention", "occlusion"])
        self.assertEqual(set(results), {"attention (reverse model)", "occlusion (reverse model)"})
        for row in results.values():
            self.assertEqual(set(row), set(aer.SYMMETRISATIONS))
            for value, precision, recall in row.values():
                for x in (value, precision, recall):
                    self.assertTrue(0.0 <= x <= 1.0)
            # intersection is within both directions, union holds both
            self.assertLessEqual(row["intersection"][2], min(row["target-argmax"][2], row["source-argmax"][2]))
            self.assertGreaterEqual(row["union"][2], max(row["target-argmax"][2], row["source-argmax"][2]))
        table = self.run_aer("--methods", "attention", "--reverse-model", self.reverse)
        self.assertIn("attention (reverse model)", table)
        table = self.run_aer("--methods", "occlusion", "--reverse-model", self.reverse, "--align-prior", "4")
        self.assertIn("| occlusion prior 4 |", table)
        self.assertIn("| occlusion prior 4 (reverse model) |", table)
        self.assertIn("| prior 4 alone (no model) |", table)


def build_subword_reverse(path):
    """An English -> French-direction partner of the subword fixture (sides and vocabularies swapped), as
    tests/test_align.py builds it."""
    with open(SUBWORD, encoding="utf-8") as f:
        sub = json.load(f)
    reverse = tinymodel.build(config=sub["config"], src_words=sub["target"]["vocab"][3:],
                              tgt_words=sub["source"]["vocab"][3:], seed=5,
                              tokenizer={"source": sub["tokenizer"]["target"], "target": sub["tokenizer"]["source"]})
    tinymodel.write(path, reverse)


@unittest.skipUnless(hansards_folder(), "the Hansards alignment data is not there (scripts/get-data.sh)")
@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built")
class SubwordTest(unittest.TestCase):
    """The subword fixture on Hansards pairs (French and English through its German/English pieces: many
    single-letter pieces, so words of many pieces): aer.py's word links are rnnsearch's own."""
    PAIRS = 8

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.reverse = os.path.join(cls.tmp.name, "subword-reverse.json")
        build_subword_reverse(cls.reverse)
        cls.pairs = aer.read_set(hansards_folder(), cls.PAIRS)
        cls.lines = [(f, e) for f, e, _, _ in cls.pairs]
        cls.sides = aer.load_sides(SUBWORD)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_methods_links_are_rnnsearch_word_links(self):
        """Each method's matrix made word level and symmetrised by aer.py gives the links of rnnsearch
        --align-method M --symmetrize RULE (here the model's words are the gold words, as the mapping shows)."""
        for method, unit in (("occlusion", "piece"), ("occlusion", "word"), ("grad_input", "piece")):
            hyps, objs = [], []
            outputs = aer.forced_rnnsearch(BINARY, SUBWORD, self.lines, ["--explain=" + method,
                                                                         "--occlusion-unit", unit], hyps, objs)
            for k, (f, e) in enumerate(self.lines):
                self.assertEqual(aer.word_owners(objs[k], self.sides, (f, e)),
                                 (list(range(len(f.split()))), list(range(len(e.split())))))
            for sym, rule in (("target-argmax", "none"), ("intersection", "intersection"), ("union", "union"),
                              ("grow-diag-final", "grow-diag-final")):
                tool = []
                aer.forced_rnnsearch(BINARY, SUBWORD, self.lines, ["--align-method", method, "--symmetrize", rule,
                                                                   "--occlusion-unit", unit], tool)
                for k, (f, e) in enumerate(self.lines):
                    source, tokens, _ = outputs[k]
                    first, count = aer.source_span(source, self.sides[2], self.sides[3])
                    self.assertGreater(count, len(f.split()))  # words of several pieces
                    src_map = aer.token_owners(self.sides[0], source[first:first + count], f)
                    tgt_map = aer.token_owners(self.sides[1], tokens, e)
                    got = aer.method_links(hyps[k][method][:-1], first, src_map, tgt_map, len(f.split()), True)
                    self.assertEqual(got[sym], aer.pharaoh_token_links(tool[k]["alignment"]),
                                     f"{method} {unit} {sym} pair {k}")

    def test_attention_links_and_engines(self):
        """The argmax of the word-level attention is rnnsearch's --alignments; both engines give the same."""
        c_report = aer.evaluate(SUBWORD, self.pairs, "rnnsearch", BINARY)
        torch_report = aer.evaluate(SUBWORD, self.pairs, "torch")
        for report in (c_report, torch_report):
            self.assertEqual((report["skipped"], report["unmapped"], report["tokenization_mismatches"]), (0, 0, 0))
            self.assertEqual(report["pieces"], [True, True])
        tool = []
        aer.forced_rnnsearch(BINARY, SUBWORD, self.lines, ["--alignments"], tool)
        self.assertEqual(c_report["links"]["argmax"], [aer.pharaoh_token_links(h["alignment"]) for h in tool])
        for method in aer.METHODS:
            self.assertEqual(torch_report["links"][method], c_report["links"][method], method)

    def test_reverse_model_rows(self):
        """The reverse-model rows' own direction is the --methods table's target-argmax, and every row is
        scored."""
        unmapped = set()
        results = aer.evaluate_reverse(SUBWORD, self.reverse, self.pairs, BINARY, ["occlusion"], unmapped=unmapped)
        plain = aer.evaluate_methods(SUBWORD, self.pairs, BINARY, ["occlusion"], unmapped=unmapped)
        self.assertEqual(unmapped, set())
        row = results["occlusion (reverse model)"]
        self.assertEqual(set(row), set(aer.SYMMETRISATIONS))
        self.assertEqual(row["target-argmax"], plain["occlusion"]["target-argmax"])
        self.assertLessEqual(row["intersection"][2], min(row["target-argmax"][2], row["source-argmax"][2]))
        self.assertGreaterEqual(row["union"][2], max(row["target-argmax"][2], row["source-argmax"][2]))

    def test_command_line(self):
        def run_aer(*args):
            done = subprocess.run([sys.executable, os.path.join(SCRIPTS, "aer.py"), "-m", SUBWORD, "--limit",
                                   str(self.PAIRS)] + list(args), capture_output=True, timeout=300)
            self.assertEqual(done.returncode, 0, done.stderr.decode())
            self.assertEqual(done.stderr, b"")
            return done.stdout.decode("utf-8")
        pharaoh = os.path.join(self.tmp.name, "links.txt")
        self.assertIn("subword pieces grouped into the gold words", run_aer("--pharaoh", pharaoh))
        with open(pharaoh) as f:
            self.assertEqual(len(f.read().splitlines()), self.PAIRS)
        self.assertIn("engine rnnsearch", run_aer("--engine", "rnnsearch"))
        table = run_aer("--methods", "attention,occlusion", "--reverse-model", self.reverse)
        self.assertIn("| occlusion (reverse model) |", table)


if __name__ == "__main__":
    unittest.main()
