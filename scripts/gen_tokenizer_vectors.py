#!/usr/bin/python3
"""Writes tests/tokenizer_vectors.tsv and tests/detokenizer_vectors.tsv from scripts/tokenizer.py.

Both files are read by tests/unit/test_tokenizer.c and tests/test_tokenizer.py. Every expected value here comes
from the Python reference; review the output by eye after changing anything (the files must be right, not just
consistent). Usage: gen_tokenizer_vectors.py [--out-dir DIR]   (default: tests/)

File formats (UTF-8, one case per line; lines starting with '#' are comments):
  tokenizer_vectors.tsv    OPTIONS <TAB> INPUT <TAB> TOKENS
  detokenizer_vectors.tsv  OPTIONS <TAB> TOKENS <TAB> TEXT
OPTIONS is a comma-separated list of the enabled option names, or '-' for none. TOKENS are separated by single
spaces (tokens never contain spaces; an empty field is no tokens). Every field may use the escapes \\t, \\n, \\r,
\\\\ and \\xHH (one raw byte); TOKENS are split on spaces before unescaping. The generator escapes invalid UTF-8,
control and other invisible characters (spaces other than U+0020, format characters such as U+200C, unassigned
and private-use code points) and nonspacing/enclosing marks, so that every case can be read as written.
"""
import argparse
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer  # noqa: E402

N = ()
P = ("split_punctuation",)
L = ("lowercase",)
F = ("fold_accents",)
LF = ("lowercase", "fold_accents")
LP = ("lowercase", "split_punctuation")
FP = ("fold_accents", "split_punctuation")
LFP = ("lowercase", "fold_accents", "split_punctuation")
PE = ("split_punctuation", "split_elision")
LFPE = ("lowercase", "fold_accents", "split_punctuation", "split_elision")
C = ("capitalize",)
PC = ("split_punctuation", "capitalize")
PEC = ("split_punctuation", "split_elision", "capitalize")

# (options, input): input is str (written as UTF-8) or bytes (written as they are).
TOKENIZE = [
    "# whitespace, control characters, empty lines",
    (N, "Hello world"),
    (N, "  leading and  trailing  "),
    (N, ""),
    (N, "   "),
    (N, "\t \t"),
    (P, " \u00a0\u3000 "),
    (N, "a\tb\t\tc"),
    (N, "line with CRLF\r\n"),
    (N, "line with CR\r"),
    (N, "line with LF\n"),
    (N, "a\rb"),
    (N, "a\x0bb\x0cc"),
    (N, "a\x1cb\x1dc\x1ed\x1fe"),
    (N, "a\x7fb\x01c"),
    (N, "a\u0085b"),
    (N, "a\u00a0b"),
    (N, "a\u1680b\u2000c\u200ad"),
    (N, "a\u2028b\u2029c"),
    (N, "a\u202fb\u205fc\u3000d"),
    (N, "a\u200bb"),
    (N, "a\u180eb"),
    (N, "\ufeffBOM at start, and in\ufeffside"),
    (P, b"\xef\xbb\xbfhello"),
    (C, "capitalize does not change tokenization"),
    "# NUL bytes",
    (N, b"a\x00b"),
    (N, b"\x00"),
    (P, b"\x00.\x00,\x00"),
    (N, b"\x00\x00word\x00\x00"),
    "# split_punctuation basics",
    (N, "Hello, world!"),
    (P, "Hello, world!"),
    (LP, "Hello, World!"),
    (P, '"Hello," she said.'),
    (P, "(a) [b] {c} <d>"),
    (P, "a/b\\c|d"),
    (P, "#hashtag @user me@example.com"),
    (P, "50% $100 \u20ac5 5\u00a3"),
    (P, "x+y=z \u00d7\u00f7 a\u2212b"),
    (P, "a`b a^b a~b a_b"),
    "# German",
    (P, "Die Stra\u00dfe ist sch\u00f6n."),
    (LP, "\u00c4PFEL, \u00d6L und \u00dcBEL."),
    (LFP, "M\u00fcller wohnt in K\u00f6ln."),
    (F, "\u00c4rger \u00fcber \u00d6l"),
    (LFP, "Stra\u00dfe STRASSE"),
    (LP, "GRO\u1e9eE Stra\u00dfe"),
    (P, "\u201eGuten Tag\u201c, sagte er."),
    (P, "\u201aeinfach\u2018"),
    (P, "z.B. usw."),
    (P, "Es kostet 3,50 \u20ac."),
    (P, "1.000.000 Einwohner"),
    (P, "Baden-W\u00fcrttemberg"),
    (P, "E-Mail-Adresse"),
    (P, "Bindestrich- und Wortende"),
    "# French",
    (P, "l'homme qu'il a vu"),
    (PE, "l'homme qu'il a vu"),
    (PE, "aujourd'hui"),
    (PE, "L\u2019\u00e9t\u00e9"),
    (LFPE, "L\u2019\u00c9t\u00e9 \u00e0 Paris"),
    (PE, "jusqu'\u00e0"),
    (P, "C'est-\u00e0-dire"),
    (PE, "C'est-\u00e0-dire"),
    (LFPE, "Qu\u2019est-ce que c\u2019est\u202f?"),
    (PE, "l'"),
    (PE, "'homme"),
    (PE, "l''homme"),
    (P, "Bonjour\u00a0!"),
    (P, "Quoi\u202f?"),
    (P, "\u00ab Bonjour \u00bb"),
    (P, "\u00ab\u00a0Bonjour\u00a0\u00bb, dit-il."),
    (P, "10\u202f000 habitants"),
    (LFP, "C\u0153ur, s\u0153ur et \u0152uvre"),
    (LFP, "\u00c7a va? Tr\u00e8s bien."),
    (F, "\u00e9l\u00e8ve na\u00efve No\u00ebl"),
    "# Persian and Arabic",
    (N, "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    (P, "\u06a9\u062a\u0627\u0628\u200c\u0647\u0627 \u0631\u0627 \u062e\u0648\u0627\u0646\u062f\u0645."),
    (P, "\u0622\u06cc\u0627 \u0645\u06cc\u200c\u0622\u06cc\u06cc\u061f"),
    (P, "\u0633\u0644\u0627\u0645\u060c \u062f\u0648\u0633\u062a \u0645\u0646"),
    (P, "\u06f1\u06f2\u06f3 \u0648 \u06f4\u06f5\u06f6"),
    (P, "\u06f3\u066b\u06f5 \u062f\u0631\u0635\u062f"),
    (P, "\u06f1\u066c\u06f0\u06f0\u06f0 \u062a\u0648\u0645\u0627\u0646"),
    (P, "\u0663.\u0665 \u0661,\u0660\u0660\u0660"),
    (P, "1\u066b5"),
    (P, "\u0645\u064e\u062f\u0631\u0650\u0633\u0647"),
    (LFP, "\u0645\u064e\u062f\u0631\u0650\u0633\u0647"),
    (F, "\u0643\u0650\u062a\u064e\u0627\u0628\u064c"),
    (P, "\u00ab\u06a9\u062a\u0627\u0628\u00bb"),
    (P, "\u062a\u0627\u0631\u06cc\u062e \u06f1\u06f4\u06f0\u06f2/\u06f0\u06f5/\u06f1\u06f2"),
    (N, "\u200cabc\u200c"),
    (P, "\u200c-\u200c"),
    (P, "\u0643\u0640\u062a\u0627\u0628"),
    (P, "\u0627\u0644\u0644\u0651\u0647\u061b \u0627\u0644\u062e"),
    "# Turkish",
    "# U+0130 lowercases to two code points in Python, so lowercase leaves it; fold_accents then drops its dot",
    (L, "\u0130STANBUL"),
    (LF, "\u0130STANBUL"),
    (L, "ISPARTA \u0131I"),
    (LFP, "I\u015eIK \u0130\u00e7in, \u00e7ok g\u00fczel!"),
    (F, "\u0130 \u0131 \u015f \u011f"),
    "# Greek",
    (L, "\u039f\u0394\u039f\u03a3"),
    (L, "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2"),
    (LF, "\u1f08\u03b8\u1fc6\u03bd\u03b1\u03b9"),
    (LFP, "\u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391, \u039a\u038c\u03a3\u039c\u0395!"),
    "# the last two end in U+037E GREEK QUESTION MARK, whose NFD is U+003B ';'",
    (P, "\u03a4\u03b9 \u03ba\u03ac\u03bd\u03b5\u03b9\u03c2\u037e"),
    (FP, "\u03a4\u03b9 \u03ba\u03ac\u03bd\u03b5\u03b9\u03c2\u037e"),
    (F, "\u0390 \u1f82"),
    (F, "\u0344"),
    "# numbers",
    (P, "3.5"),
    (P, "1,000"),
    (P, "10:30"),
    (P, "3.5.2 1,000,000.25"),
    (P, "3. .5 1,000."),
    (P, "a.b 3.a a.3"),
    (P, "10:30-11:00"),
    (P, "-5 +5 5-"),
    (P, "1/2 1;2"),
    (P, "1.\u00b2 \u00b2.1"),
    (P, "\uff11\uff12.\uff15"),
    (P, "1...3"),
    (P, "3 . 5"),
    (P, "\u0968.\u0969"),
    "# hyphens and dashes",
    (P, "t-shirt"),
    (P, "well-known state-of-the-art"),
    (P, "a--b"),
    (P, "-word word-"),
    (P, "a\u2010b a\u2011b"),
    (P, "a\u2013b a\u2014b"),
    (LFP, "R\u00e9-\u00e9lection"),
    (P, "a-\u0301b"),
    (P, "\u0645\u06cc-\u0631\u0648\u062f"),
    "# apostrophes",
    (P, "don't"),
    (P, "don\u2019t"),
    (PE, "don't"),
    (P, "'quoted'"),
    (P, "the dogs' bones"),
    (P, "rock'n'roll"),
    (PE, "rock'n'roll"),
    (P, "\u2018single\u2019"),
    (P, "O'Neill's"),
    (P, "a''b"),
    (P, "a\u02bcb"),
    (P, "1'000"),
    "# ellipsis and quotes",
    (P, "Wait..."),
    (P, "Wait\u2026"),
    (P, "...and"),
    (P, "\u00bfQu\u00e9? \u00a1S\u00ed!"),
    (LFP, "\u00bfQu\u00e9? \u00a1S\u00ed!"),
    (P, "\u201cquoted\u201d text"),
    "# emoji",
    (P, "Hi\U0001f600!"),
    "# U+FE0F (variation selector) is Mn, a word character; U+1F3FD (skin tone) is Sk; U+200D (ZWJ) is Cf, a word character",
    (P, "I \u2764\ufe0f NY"),
    (P, "\U0001f44d\U0001f3fd"),
    (N, "\U0001f468\u200d\U0001f469\u200d\U0001f467"),
    (P, "\U0001f468\u200d\U0001f469\u200d\U0001f467"),
    (P, "\U0001f1e9\U0001f1ea"),
    (LF, "\U0001f600"),
    "# CJK",
    (P, "\u6211\u7231\u5317\u4eac\u3002"),
    (P, "\u65e5\u672c\u8a9e\u3001\u30c6\u30b9\u30c8\uff01"),
    (P, "\u300c\u5f15\u7528\u300d"),
    (P, "\u4e2d\u6587\uff0c\u6807\u70b9"),
    (LFP, "\u30ac\u30ae \uff76\uff9e"),
    "# fold_accents decomposes Hangul syllables into conjoining jamo (U+1112 U+1161 U+11AB ...)",
    (N, "\ud55c\uad6d\uc5b4"),
    (LFP, "\ud55c\uad6d\uc5b4"),
    "# combining sequences, case mapping",
    (N, "e\u0301"),
    (F, "e\u0301"),
    (F, "\u0301"),
    (F, "a \u0301 b"),
    (P, "\u0301abc"),
    (LF, "A\u030a \u212b \u00c5"),
    (F, "\u01c5 \ufb01"),
    (L, "\u01c4 \u01c5 \u01c6"),
    (L, "\u2126 \u212a \u1e9e \u216b"),
    (L, "ABC \u00c0\u00c9\u00ce \u0391\u0392\u0393 \u0410\u0411\u0412"),
    (L, "\U00010400\U00010401"),
    (F, "\u0958 \u00f1 \u00e7 \u00f8 \u0141"),
    (LF, "\u0141\u00d3D\u0179"),
    (N, "a\u20dd"),
    (F, "\u1e9b\u0323"),
    "# invalid UTF-8",
    "# every maximal ill-formed subpart is one U+FFFD, which is a symbol (So)",
    (N, b"a\xffb"),
    (P, b"a\xffb"),
    (N, b"\xc3"),
    (P, b"\xc3("),
    (N, b"\xe2\x82"),
    (N, b"\xe2\x82x"),
    (N, b"\xf0\x9f\x98"),
    (N, b"\xf0\x9f\x98 \xf0\x9f\x98\x80"),
    (N, b"\xc0\xaf"),
    (N, b"\xc1\xbf"),
    (N, b"\xe0\x80\xaf"),
    (N, b"\xe0\x9f\xbf"),
    (N, b"\xf0\x80\x80\xaf"),
    (N, b"\xf0\x8f\xbf\xbf"),
    (N, b"\xed\xa0\x80"),
    (N, b"\xed\xb0\x80x"),
    (N, b"\xed\x9f\xbf"),
    (N, b"\xf4\x8f\xbf\xbf"),
    (N, b"\xf4\x90\x80\x80"),
    (N, b"\xf5\x80"),
    (N, b"\x80\x80"),
    (N, b"\xfe\xff"),
    (N, b"caf\xe9"),
    (LFP, b"CAF\xc9 caf\xc3\xa9"),
    (N, b"\xc3\xa9\xc3"),
    (N, b"\xe2\x28\xa1"),
    (N, b"\xf0\x28\x8c\x28"),
    (N, b"\xef\xbf\xbd\xef\xbf"),
    (N, b"\xe2\x80\r\n"),
    "# very long tokens",
    (N, "a" * 1000),
    (P, "x" * 300 + "-" + "y" * 300 + "."),
    (LF, "\u00c9" * 500),
    (P, "." * 50),
    (P, "1" + ",000" * 100),
]

# (options, tokens)
DETOKENIZE = [
    "# no split_punctuation: single spaces",
    (N, ["a", "b", "c"]),
    (N, ["Hello", ",", "world", "!"]),
    (N, []),
    (PC, []),
    "# split_punctuation",
    (P, ["Hello", ",", "world", "!"]),
    (P, ["(", "a", ")", "[", "b", "]", "{", "c", "}"]),
    (P, ['"', "Hello", ",", '"', "she", "said", "."]),
    (P, ['"', "a", '"', '"', "b", '"']),
    (P, ['"', '"', '"']),
    (P, ["\u00ab", "Bonjour", "\u00bb"]),
    (P, ["\u00bf", "Qu\u00e9", "?", "\u00a1", "S\u00ed", "!"]),
    (P, ["50", "%"]),
    (P, ["Wait", "\u2026"]),
    (P, ["Wait", ".", ".", "."]),
    (P, ["\u201e", "Guten", "Tag", "\u201c", ",", "sagte", "er", "."]),
    (P, ["\u2018", "quoted", "\u2019"]),
    (P, ["\u201c", "a", "\u201d", "b"]),
    (P, ["a", ",", ",", "b"]),
    (P, [".", "a"]),
    (P, ["(", "(", "a", ")", ")"]),
    (P, ["a", ";", "b", ":", "c"]),
    (P, ["l'", "homme"]),
    (P, ["3.5", "-", "4", "/", "5"]),
    (P, ["\u0633\u0644\u0627\u0645", "\u060c", "\u062f\u0648\u0633\u062a", "\u061f"]),
    (P, ["\u65e5\u672c\u8a9e", "\u3002"]),
    (P, ["<unk>", "."]),
    "# split_elision",
    (PE, ["l'", "homme"]),
    (PE, ["qu\u2019", "il", "est", "l\u00e0", "."]),
    (PE, ["'", "homme"]),
    (PE, ["\u2019", "x"]),
    (PE, ["aujourd'", "hui", "'"]),
    (("split_elision",), ["l'", "homme"]),
    "# capitalize",
    (C, ["hello", "world"]),
    (PC, ["\u00e7a", "va", "?"]),
    (PC, ["(", "hello", ")"]),
    (C, ["\u00dfen"]),
    (C, ["\u01c6emal"]),
    (C, ["istanbul"]),
    (C, ["\u0131stakoz"]),
    (C, ["\u0250"]),
    (C, ["\u03c3\u03bf\u03c6\u03af\u03b1"]),
    (C, ["\u03c2"]),
    (C, ["\u00e9t\u00e9"]),
    (C, ["\u0149"]),
    (C, ["\ufb01n"]),
    (C, ["123"]),
    (C, ["\U00010428"]),
    (PEC, ["l'", "\u00e9t\u00e9", "."]),
]

ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def escape(data):
    """The field text of raw bytes: printable characters as they are, the rest as escapes."""
    out = []
    for c in data.decode("utf-8", "surrogateescape"):
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif 0xDC80 <= ord(c) <= 0xDCFF:  # an undecodable byte
            out.append("\\x%02x" % (ord(c) - 0xDC00))
        elif not c.isprintable() or unicodedata.category(c) in ("Mn", "Me"):
            out.extend("\\x%02x" % b for b in c.encode("utf-8"))
        else:
            out.append(c)
    return "".join(out)


def options_field(names):
    for name in names:
        assert name in tokenizer.KEYS, name
    return ",".join(names) if names else "-"


def options_dict(names):
    return {key: key in names for key in tokenizer.KEYS}


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def tokenizer_lines():
    lines = ["# Generated by scripts/gen_tokenizer_vectors.py from scripts/tokenizer.py; reviewed by hand.",
             "# OPTIONS<TAB>INPUT<TAB>TOKENS (space-separated); escapes \\t \\n \\r \\\\ \\xHH"]
    for case in TOKENIZE:
        if isinstance(case, str):
            lines.append(case)
            continue
        names, text = case
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        tokens = tokenizer.tokenize(data, options_dict(names))
        for token in tokens:
            assert token and " " not in token, token
        fields = [options_field(names), escape(data), " ".join(escape(t.encode("utf-8")) for t in tokens)]
        lines.append("\t".join(fields))
    return lines


def detokenizer_lines():
    lines = ["# Generated by scripts/gen_tokenizer_vectors.py from scripts/tokenizer.py; reviewed by hand.",
             "# OPTIONS<TAB>TOKENS (space-separated)<TAB>TEXT; escapes \\t \\n \\r \\\\ \\xHH"]
    for case in DETOKENIZE:
        if isinstance(case, str):
            lines.append(case)
            continue
        names, tokens = case
        for token in tokens:
            assert token and " " not in token, token
        text = tokenizer.detokenize(tokens, options_dict(names))
        fields = [options_field(names), " ".join(escape(t.encode("utf-8")) for t in tokens),
                  escape(text.encode("utf-8"))]
        lines.append("\t".join(fields))
    return lines


def write_files(out_dir):
    write(os.path.join(out_dir, "tokenizer_vectors.tsv"), tokenizer_lines())
    write(os.path.join(out_dir, "detokenizer_vectors.tsv"), detokenizer_lines())


def main():
    default = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=default, help="where to write (default %(default)s)")
    write_files(parser.parse_args().out_dir)


if __name__ == "__main__":
    main()
