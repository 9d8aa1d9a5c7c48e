"""Writes the seeds of fuzz_subword (tests/fuzz/corpus/subword): small SentencePiece BPE models, each with a few
normalization rules of its own (a custom rule table keeps the charsmap small), followed by test lines.

  /usr/bin/python3 tests/fuzz/make_subword_seeds.py [--out tests/fuzz/corpus/subword]
"""
import argparse
import hashlib
import os
import struct
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = ["Ein Hund läuft im Park.", "Zwei Hunde spielen im Garten.", "A dog runs in the park.",
        "Tom and Maria live in Berlin.", "ﬁnal ＡＢＣ　test", "I have 25 cats."]
RULES = ["41\t61", "FF21\t41", "FF22\t42", "FF23\t43", "3000\t20", "FB01\t66 69", "9\t20", "2160\t49"]
LINES = ["Ein Hund läuft.", "  two   spaces\tand tab ", "", "ﬁnal ＡＢＣ\u3000Ⅰ", "unknown: qxz 🐕",
         "nul \0 byte", "\u2581 mark \u2400 shown", "bad \udcff utf-8"]


def train(tmp, name, vocab_size, **options):
    text = os.path.join(tmp, "text.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(TEXT) + "\n")
    rules = os.path.join(tmp, "rules.tsv")
    with open(rules, "w", encoding="utf-8") as f:
        f.write("\n".join(RULES) + "\n")
    prefix = os.path.join(tmp, name)
    spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=vocab_size, model_type="bpe",
                                   character_coverage=1.0, normalization_rule_tsv=rules, unk_id=0, bos_id=1,
                                   eos_id=2, pad_id=3, num_threads=1, minloglevel=2, **options)
    with open(prefix + ".model", "rb") as f:
        return f.read()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(HERE, "corpus", "subword"), help="seed folder (default: %(default)s)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = "\n".join(LINES).encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as tmp:
        protos = [train(tmp, "a", 60), train(tmp, "b", 45, add_dummy_prefix=False),
                  train(tmp, "c", 50, remove_extra_whitespaces=False)]
    for proto in protos:
        assert len(proto) < 65536, len(proto)
        seed = struct.pack("<H", len(proto)) + proto + lines
        with open(os.path.join(args.out, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
        print(f"seed: proto of {len(proto)} bytes")


if __name__ == "__main__":
    main()
