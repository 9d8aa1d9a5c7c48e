"""SentencePiece segmentation in C equals python3-sentencepiece's (README "Subword models").

tests/bin/sp_segment (built by `make test` from tests/unit/sp_segment.c) runs rnnsearch's own segmenter over a
whole file; python3-sentencepiece segments the same lines. They must agree on every line of the training, dev
and test data of every bundled segmentation model (models/spm/*.model, on the corpus sides scripts/data.py
gives; skipped when the data folder is absent) and on hostile text. Decoding is checked the same way. The
corpora's Python segmentation is kept as a digest between runs (tests/refcache.py, build/test-cache)."""
import os
import random
import subprocess
import sys
import tempfile
import unittest

import clitools
import refcache
from test_tokenizer import read_cases

sys.path.insert(0, os.path.join(clitools.ROOT, "scripts"))
try:
    import sentencepiece as spm
except ImportError:  # the suite still runs where python3-sentencepiece is missing
    spm = None

SPM_DIR = os.path.join(clitools.ROOT, "models", "spm")
# The segmentation tool: the build under test (make check-asan sets RNNSEARCH_UNIT_DIR), else tests/bin.
TOOL_DIRS = [os.environ.get("RNNSEARCH_UNIT_DIR") or "", os.path.join("tests", "bin")]
TOOL = next((os.path.join(clitools.ROOT, d, "sp_segment") for d in TOOL_DIRS
             if d and os.access(os.path.join(clitools.ROOT, d, "sp_segment"), os.X_OK)),
            os.path.join(clitools.ROOT, "tests", "bin", "sp_segment"))

# Each bundled segmentation model and the corpus sides it segments: (corpus, parts, side index).
MODELS = {
    "deu-eng.de": [("deu-eng", ("train", "dev"), 0), ("multi30k", ("test",), 0), ("tatoeba-deu", ("test",), 0)],
    "deu-eng.en": [("deu-eng", ("train", "dev"), 1), ("multi30k", ("test",), 1), ("tatoeba-deu", ("test",), 1)],
    "fra-eng.fr": [("tatoeba", ("train", "dev", "test"), 0)],
    "fra-eng.en": [("tatoeba", ("train", "dev", "test"), 1)],
    # One segmentation for both sides (and both directions, fra-eng and eng-fra), digits split.
    "fra-eng.shared": [("tatoeba", ("train", "dev", "test"), 0), ("tatoeba", ("train", "dev", "test"), 1)],
    "eng-pes.en": [("persian", ("train", "dev", "test"), 0)],
    "eng-pes.fa": [("persian", ("train", "dev", "test"), 1)],
}


def hostile_lines():
    """Raw byte lines (no newline inside) that are hard on a segmenter."""
    lines = [unescape_input for _, _, unescape_input, _ in read_cases("tokenizer_vectors.tsv")]
    lines = [line.replace(b"\n", b"") for line in lines]
    lines += [
        b"", b" ", b"\t", b"   \t  ", b"a  b\t\tc   d ", b"\x00", b"a\x00b", b"\x00\x00 \x00",
        b"\x01\x02\x03\x1b[31mred\x1b[0m\x7f", b"\xef\xbb\xbfBOM", b"in\xef\xbb\xbfside", b"\xff\xfe\xfd",
        b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80 surrogate", b"\xc0\xaf overlong", b"\xf4\x90\x80\x80",
        "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 family".encode(), "RTL: שלום עולם مرحبا بالعالم سلام دنیا".encode(),
        "combining: e\u0301 a\u0308 n\u0303 \u0928\u093f Zalgo: Z\u0351\u036b\u0343a\u0352l\u0310g\u0344o".encode(),
        "fullwidth: ＡＢＣ　１２３！？ ｶﾀｶﾅ ①②③ ﬁ ﬂ ㎏ ℃ Ⅻ".encode(),
        "spaces: a\u00a0b\u2002c\u3000d\u200be\u2028f\u2029g\u0085h".encode(),
        "CJK 漢字かなカナ 한국어 ไทย".encode(), "quotes „Hallo“ «salut» ‹›".encode(),
        "\u2581 visible space \u2581\u2581 and <unk> <s> </s> <pad>".encode(),
        ("long " * 20000).encode(), ("x" * 50000).encode(), "é".encode() * 30000,
        bytes(range(1, 256)), b"\r", b"trailing CR\r",
    ]
    rng = random.Random(9)
    for _ in range(300):
        lines.append(bytes(rng.choice(b"ab \t\x00\xc3\xa9\xe2\x96\x81\xf0\x9f\x98\x80.,!?\xff") for _ in
                           range(rng.randint(0, 40))))
    return [line.replace(b"\n", b"") for line in lines]


def python_text(raw):
    """What rnnsearch's input reading gives SentencePiece: U+FFFD for invalid UTF-8, the final CR dropped."""
    text = raw.decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text


def corpus_lines(spec):
    import data  # scripts/data.py: imported late, it exits when no data folder exists
    lines = []
    for corpus, parts, side in spec:
        for part in parts:
            lines += [pair[side] for pair in data.pairs(corpus, part)]
    return lines


def data_present():
    import data
    roots = [os.environ.get("RNNSEARCH_DATA"), data.DEFAULT_ROOT, os.path.join(data.HERE, "..", "data", "corpora")]
    return any(r and os.path.isdir(os.path.join(r, "tatoeba")) for r in roots)


@unittest.skipUnless(spm, "python3-sentencepiece is not installed")
@unittest.skipUnless(os.access(TOOL, os.X_OK), "tests/bin/sp_segment is not built (run `make test`)")
class SegmentationTestCase(unittest.TestCase):
    def segment_c(self, model, raw_lines, *flags):
        with tempfile.TemporaryFile() as f:
            f.write(b"".join(line + b"\n" for line in raw_lines))
            f.seek(0)
            result = subprocess.run(clitools.wrapper() + [TOOL, *flags, model], stdin=f, capture_output=True,
                                    timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace"))
        out = result.stdout.decode("utf-8").split("\n")
        self.assertEqual(out[-1], "")
        self.assertEqual(len(out) - 1, len(raw_lines), "one output line per input line")
        return out[:-1]

    def assert_same_segmentation(self, name, raw_lines, ids=True):
        model = os.path.join(SPM_DIR, name + ".model")
        sp = spm.SentencePieceProcessor(model_file=model)
        texts = [python_text(raw) for raw in raw_lines]
        # rnnsearch shows a NUL byte of a piece as U+2400 (the ids compare exactly)
        expected = [" ".join(pieces).replace("\0", "\u2400") for pieces in sp.encode(texts, out_type=str)]
        got = self.segment_c(model, raw_lines)
        differ = [i for i, (e, g) in enumerate(zip(expected, got)) if e != g]
        self.assertEqual(differ, [], f"{name}: {len(differ)} of {len(raw_lines)} lines differ, first: "
                         f"{raw_lines[differ[0]][:200]!r}: python {expected[differ[0]][:200]!r}, "
                         f"C {got[differ[0]][:200]!r}" if differ else "")
        if ids:
            expected_ids = [" ".join(map(str, ids)) for ids in sp.encode(texts)]
            self.assertEqual(self.segment_c(model, raw_lines, "--ids"), expected_ids, f"{name}: ids differ")
        return got

    def test_hostile_text(self):
        lines = hostile_lines()
        for name in sorted(MODELS):
            with self.subTest(model=name):
                self.assert_same_segmentation(name, lines)

    def test_corpora(self):
        if not data_present():
            self.skipTest("no corpus data (../shared/data or RNNSEARCH_DATA): the corpus equality is not checked")
        for name, spec in sorted(MODELS.items()):
            with self.subTest(model=name):
                # each distinct line once: Tatoeba repeats sentences across pairs
                lines = [line.encode("utf-8") for line in dict.fromkeys(corpus_lines(spec))]
                self.assertGreater(len(lines), 1000)
                if clitools.memory_checked():
                    lines = lines[::8]  # ASan: every 8th line (30 s less); make test compares them all
                # python3-sentencepiece's segmentation of these lines is kept as a digest (tests/refcache.py):
                # C output with that digest is the same text; other output is compared line by line below
                model = os.path.join(SPM_DIR, name + ".model")
                question = refcache.key(("file", model), ("file", __file__), spm.__version__, b"\n".join(lines))
                answer = refcache.get("spm-corpus", question)
                if answer is not None and answer == refcache.key("\n".join(self.segment_c(model, lines))):
                    continue
                got = self.assert_same_segmentation(name, lines, ids=False)  # ids: test_hostile_text, to save time
                refcache.put("spm-corpus", question, refcache.key("\n".join(got)))

    def test_normalizer_settings(self):
        """The settings the bundled models leave at their defaults, each changed in turn (a NormalizerSpec appended
        to the proto is merged into it, as protobuf does), compared by ids and decoded text."""
        with open(os.path.join(SPM_DIR, "deu-eng.de.model"), "rb") as f:
            proto = f.read()
        variants = {
            "no dummy prefix": pb_bytes(3, pb_varint(3, 0)),
            "extra whitespace kept": pb_bytes(3, pb_varint(4, 0)),
            "spaces not escaped": pb_bytes(3, pb_varint(5, 0)),
            "no rules": pb_bytes(3, pb_bytes(2, b"")),
            "all off": pb_bytes(3, pb_bytes(2, b"") + pb_varint(3, 0) + pb_varint(4, 0) + pb_varint(5, 0)),
        }
        lines = hostile_lines()[:250] + ["  Ein  Hund\tläuft ".encode(), "ﬁnal Ｈｕｎｄ ".encode()]
        texts = [python_text(raw) for raw in lines]
        with tempfile.TemporaryDirectory() as tmp:
            for name, extra in variants.items():
                with self.subTest(variant=name):
                    path = os.path.join(tmp, "variant.model")
                    with open(path, "wb") as f:
                        f.write(proto + extra)
                    sp = spm.SentencePieceProcessor(model_file=path)
                    ids = sp.encode(texts)
                    self.assertEqual(self.segment_c(path, lines, "--ids"), [" ".join(map(str, i)) for i in ids])
                    if name == "spaces not escaped" or name == "all off":
                        continue  # pieces may hold spaces: the tool's space-separated lines would be ambiguous
                    pieces = [sp.id_to_piece(i) for i in ids[-1]]
                    self.assertEqual(self.segment_c(path, [" ".join(pieces).encode()], "--decode"),
                                     [sp.decode_pieces(pieces)])

    def test_split_digits_model(self):
        """A segmentation trained with spm_train.py --split-digits (every digit a piece) segments the same in C."""
        if not data_present():
            self.skipTest("no corpus data (../shared/data or RNNSEARCH_DATA)")
        import data
        import spm_train
        french = [fr for _, fr in data.pairs("tatoeba-rev", "train")[:20000]]
        with tempfile.TemporaryDirectory() as tmp:
            model = spm_train.train(french, os.path.join(tmp, "digits"), 1000, split_digits=True)
            sp = spm.SentencePieceProcessor(model_file=model)
            self.assertEqual(sp.encode("Il a 25 ans.", out_type=str)[2:5], ["\u2581", "2", "5"])
            lines = [line for line in french if any(c.isdigit() for c in line)][:1000]
            lines += ["le train part à 7 h 30", "１２３ 4.5 1,000,000 ٣٤ 2010年", "0000000000000000000001"]
            raw = [line.encode("utf-8") for line in lines] + hostile_lines()[:200]
            texts = [python_text(r) for r in raw]
            self.assertEqual(self.segment_c(model, raw, "--ids"), [" ".join(map(str, i)) for i in sp.encode(texts)])

    def test_decode(self):
        """C decoding equals decode_pieces: on segmented text (the round trip) and on random piece sequences."""
        rng = random.Random(5)
        for name in sorted(MODELS):
            model = os.path.join(SPM_DIR, name + ".model")
            sp = spm.SentencePieceProcessor(model_file=model)
            pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
            texts = ["Ein Hund läuft im Park.", "  two  spaces ", "Tom & Mary's 25 cats!", "", "x"]
            seqs = [p for p in sp.encode(texts, out_type=str)]
            seqs += [[rng.choice(pieces) for _ in range(rng.randint(0, 12))] for _ in range(500)]
            seqs += [["\u2581", "\u2581a"], ["<s>", "\u2581a"], ["<unk>", "\u2581b"], ["\u2581", "<unk>", "\u2581c"],
                     ["</s>", "\u2581", "\u2581b"], ["not-a-piece", "\u2581a"], ["\u2581\u2581x", "y\u2581"]]
            lines = [" ".join(s).encode("utf-8") for s in seqs]
            got = self.segment_c(model, lines, "--decode")
            with self.subTest(model=name):
                self.assertEqual(got, [sp.decode_pieces(s) for s in seqs])
                self.assertEqual(got[:3], [sp.decode_pieces(sp.encode(t, out_type=str)) for t in texts[:3]])
                self.assertEqual(got[0], texts[0], "decode(encode(text)) gives the text back")


if __name__ == "__main__":
    unittest.main()


# ---- malformed, truncated and inconsistent segmentation data in a model file ----

def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_varint(field, value):
    return varint(field << 3) + varint(value)


def pb_bytes(field, data):
    return varint(field << 3 | 2) + varint(len(data)) + data


def pb_piece(text, kind=1, score=0.0):
    import struct
    return pb_bytes(1, pb_bytes(1, text.encode()) + varint(2 << 3 | 5) + struct.pack("<f", score) + pb_varint(3, kind))


def pb_trainer(**fields):
    numbers = {"model_type": 3, "treat_whitespace_as_suffix": 24, "byte_fallback": 35}
    return pb_bytes(2, b"".join(pb_varint(numbers[k], v) for k, v in fields.items()))


SUBWORD = clitools.fixture("subword.json")
BPE = pb_trainer(model_type=2)


@unittest.skipUnless(os.access(clitools.BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class BadSegmentationDataTestCase(unittest.TestCase):
    """Exit status 2, nothing on standard output, one line `rnnsearch: FILE: ...` naming what is wrong."""

    @classmethod
    def setUpClass(cls):
        import base64
        import json
        cls.b64, cls.json = base64, json
        with open(SUBWORD, encoding="utf-8") as f:
            cls.doc = json.load(f)
        cls.proto = base64.b64decode(cls.doc["tokenizer"]["source"]["sentencepiece"]["model_proto"])
        cls.tmp = tempfile.TemporaryDirectory(prefix="rnnsearch-subword-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def fails(self, doc, *expected):
        path = os.path.join(self.tmp.name, "model.json")
        with open(path, "w", encoding="utf-8") as f:
            self.json.dump(doc, f, ensure_ascii=False)
        result = clitools.run(["-m", path], "Ein Hund\n")
        what = clitools.describe(["-m", path], result)
        self.assertEqual((result.returncode, result.stdout), (2, b""), what)
        err = result.stderr.decode("utf-8", "replace")
        self.assertTrue(err.startswith(f"rnnsearch: {path}: ") and err.count("\n") == 1 and err.endswith("\n"), what)
        for part in expected:
            self.assertIn(part, err, what)

    def with_source(self, side):
        doc = self.json.loads(self.json.dumps(self.doc))
        doc["tokenizer"]["source"] = side
        return doc

    def with_proto(self, proto):
        return self.with_source({"sentencepiece": {"model_proto": self.b64.b64encode(proto).decode()}})

    def test_malformed_protos(self):
        where = "tokenizer.source.sentencepiece.model_proto: "
        cases = [
            (self.proto[:len(self.proto) // 2], "truncated or malformed"),
            (self.proto[:-3], "truncated or malformed"),
            (b"\xff" * 40, "truncated or malformed"),
            (self.proto + b"\x0b", "truncated or malformed"),  # a group wire type
            (self.proto + pb_trainer(model_type=1), "model type unigram is not supported"),
            (b"", "model type unigram is not supported"),
            (self.proto + pb_trainer(byte_fallback=1), "byte_fallback is not supported"),
            (self.proto + pb_trainer(treat_whitespace_as_suffix=1), "treat_whitespace_as_suffix is not supported"),
            (self.proto + pb_piece("zz", kind=4), "has type USER_DEFINED"),
            (self.proto + pb_piece("zz", kind=5), "has type UNUSED"),
            (self.proto + pb_piece("<0x41>", kind=6), "has type BYTE"),
            (self.proto + pb_piece("zz", kind=9), "unknown type 9"),
            (self.proto + pb_piece(""), "is empty"),
            (self.proto + pb_piece("<unk>", kind=2), "repeats piece 0"),
            (self.proto + pb_piece("<unk2>", kind=2), "both of type UNKNOWN"),
            (pb_piece("a") + BPE, "no piece of type UNKNOWN"),
            (BPE, "no pieces"),
            (self.proto + pb_bytes(3, pb_bytes(2, b"\xff\xff\xff\x7fabc\x00")), "precompiled_charsmap is truncated"),
            (self.proto + pb_bytes(3, pb_bytes(2, b"\x04\x00\x00\x00abcdx")), "precompiled_charsmap is truncated"),
            (self.proto + pb_bytes(5, pb_bytes(2, b"\x08\x00\x00\x00abcdefgh\x00")), "a denormalizer is not supported"),
            (self.proto + pb_varint(3, 5), "wrong wire type"),
        ]
        for proto, message in cases:
            with self.subTest(message=message, size=len(proto)):
                self.fails(self.with_proto(proto), where, message)

    def test_bad_side_objects(self):
        proto = self.doc["tokenizer"]["source"]["sentencepiece"]["model_proto"]
        cases = [
            ({"sentencepiece": {"model_proto": "not base64!"}}, "model_proto: base64"),
            ({"sentencepiece": {"model_proto": 5}}, "model_proto: expected a base64 string"),
            ({"sentencepiece": {}}, "model_proto: missing"),
            ({"sentencepiece": "x"}, "tokenizer.source.sentencepiece: expected an object"),
            ({"sentencepiece": {"model_proto": proto, "alpha": 1}}, "sentencepiece.alpha: unknown key"),
            ({"sentencepiece": {"model_proto": proto}, "lowercase": True}, "tokenizer.source.lowercase: a word-level key"),
        ]
        for side, message in cases:
            with self.subTest(message=message):
                self.fails(self.with_source(side), message)
        doc = self.json.loads(self.json.dumps(self.doc))
        doc["tokenizer"]["split_punctuation"] = False
        self.fails(doc, "tokenizer.split_punctuation: a word-level key for both sides")

    def test_vocabulary_must_be_the_pieces(self):
        doc = self.json.loads(self.json.dumps(self.doc))
        doc["source"]["vocab"][7] = "X"
        self.fails(doc, "source.vocab[7] is \"X\", its SentencePiece model's piece 7 is")
        doc = self.json.loads(self.json.dumps(self.doc))
        doc["target"]["vocab"].append("extra")
        self.fails(doc, "target.vocab has 61 entries, its SentencePiece model 60 pieces")
        doc = self.json.loads(self.json.dumps(self.doc))
        vocab = doc["source"]["vocab"]
        vocab[1], vocab[2] = vocab[2], vocab[1]
        self.fails(doc, "source.vocab[1] is \"</s>\"")
        for key, piece, kind in (("bos", "e", "a control"), ("unk", "<s>", "unknown"), ("pad", "a", "a control")):
            doc = self.json.loads(self.json.dumps(self.doc))
            doc["special_tokens"][key] = piece
            with self.subTest(key=key):
                self.fails(doc, f"special_tokens.{key} \"{piece}\" is piece", f"not its {kind} piece")

    def test_valid_model_still_loads(self):
        result = clitools.run(["-m", SUBWORD, "-b", "1"], "Ein Hund\n\x00\xff\n")
        self.assertEqual(result.returncode, 0, clitools.describe([], result))
        self.assertEqual(result.stdout.count(b"\n"), 2)
