"""Checks scripts/tokenizer.py against the shared vectors (tests/tokenizer_vectors.tsv and
tests/detokenizer_vectors.tsv, which the C test tests/unit/test_tokenizer.c reads too), and that the committed
generated files (the vectors and src/engine/unicode_tables.{h,c}) are what their generators write today.

Run from the repository root: /usr/bin/python3 -m unittest tests/test_tokenizer.py (tests/run.sh discovers it)."""
import os
import re
import sys
import tempfile
import unicodedata
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import gen_tokenizer_vectors  # noqa: E402
import gen_unicode_tables  # noqa: E402
import tokenizer  # noqa: E402

ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[tnr\\])")
SIMPLE = {b"t": b"\t", b"n": b"\n", b"r": b"\r", b"\\": b"\\"}


def unescape(field):
    """The raw bytes of an escaped field; a backslash that starts no escape is an error."""
    if ESCAPE.sub(b"", field).count(b"\\"):
        raise ValueError(f"bad escape in {field!r}")

    def one(match):
        code = match.group(1)
        return bytes([int(code[1:], 16)]) if code[:1] == b"x" else SIMPLE[code]

    return ESCAPE.sub(one, field)


def field_tokens(field):
    return [unescape(t).decode("utf-8") for t in field.split(b" ")] if field else []


def read_cases(name):
    """(line number, options dict, field 1, field 2) for every case line of tests/NAME."""
    with open(os.path.join(ROOT, "tests", name), "rb") as f:
        data = f.read()
    cases = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line or line.startswith(b"#"):
            continue
        fields = line.split(b"\t")
        if len(fields) != 3:
            raise ValueError(f"{name}:{number}: expected 3 tab-separated fields")
        names = [] if fields[0] == b"-" else fields[0].decode("ascii").split(",")
        for option in names:
            if option not in tokenizer.KEYS:
                raise ValueError(f"{name}:{number}: unknown option {option!r}")
        options = {key: key in names for key in tokenizer.KEYS}
        cases.append((number, options, fields[1], fields[2]))
    return cases


class Vectors(unittest.TestCase):
    def test_tokenizer_vectors(self):
        cases = read_cases("tokenizer_vectors.tsv")
        self.assertGreaterEqual(len(cases), 120)
        for number, options, text, tokens in cases:
            with self.subTest(line=number):
                self.assertEqual(tokenizer.tokenize(unescape(text), options), field_tokens(tokens))

    def test_detokenizer_vectors(self):
        cases = read_cases("detokenizer_vectors.tsv")
        self.assertGreaterEqual(len(cases), 30)
        for number, options, tokens, text in cases:
            with self.subTest(line=number):
                self.assertEqual(tokenizer.detokenize(field_tokens(tokens), options), unescape(text).decode("utf-8"))

    def test_escape_round_trip(self):
        for data in (b"a\tb\\n\x00\xff\xc3", "\u00a0\u200c e\u0301 \u00e9".encode(), bytes(range(256))):
            self.assertEqual(unescape(gen_tokenizer_vectors.escape(data).encode("utf-8")), data)
        with self.assertRaises(ValueError):
            unescape(b"a\\qb")


class GeneratedFiles(unittest.TestCase):
    def assert_same_files(self, names, generated_dir, committed_dir):
        for name in names:
            with open(os.path.join(generated_dir, name), "rb") as f:
                fresh = f.read()
            with open(os.path.join(committed_dir, name), "rb") as f:
                committed = f.read()
            self.assertTrue(fresh == committed, f"{name} is stale: rerun its generator (and review the result)")

    def test_vector_files_up_to_date(self):
        with tempfile.TemporaryDirectory() as out:
            gen_tokenizer_vectors.write_files(out)
            self.assert_same_files(["tokenizer_vectors.tsv", "detokenizer_vectors.tsv"], out,
                                   os.path.join(ROOT, "tests"))

    def test_unicode_tables_up_to_date(self):
        with open(os.path.join(ROOT, "src", "engine", "unicode_tables.h"), encoding="ascii") as f:
            version = re.search(r'#define RS_UC_VERSION "([^"]+)"', f.read()).group(1)
        if version != unicodedata.unidata_version:
            self.skipTest(f"tables are Unicode {version}, this Python has {unicodedata.unidata_version}")
        with tempfile.TemporaryDirectory() as out:
            gen_unicode_tables.emit(out)
            self.assert_same_files(["unicode_tables.h", "unicode_tables.c"], out, os.path.join(ROOT, "src", "engine"))


class Options(unittest.TestCase):
    def test_side_options(self):
        config = {"lowercase": True, "split_punctuation": True, "target": {"split_punctuation": False,
                                                                           "capitalize": True}}
        self.assertEqual(tokenizer.side_options(config, "source"),
                         {"lowercase": True, "fold_accents": False, "split_punctuation": True,
                          "split_elision": False, "capitalize": False})
        self.assertEqual(tokenizer.side_options(config, "target"),
                         {"lowercase": True, "fold_accents": False, "split_punctuation": False,
                          "split_elision": False, "capitalize": True})
        self.assertEqual(tokenizer.side_options(None, "source"), {key: False for key in tokenizer.KEYS})

    def test_unknown_keys(self):
        with self.assertRaises(ValueError):
            tokenizer.side_options({"lowercse": True}, "source")
        with self.assertRaises(ValueError):
            tokenizer.side_options({"source": {"lowercse": True}}, "source")


if __name__ == "__main__":
    unittest.main()
