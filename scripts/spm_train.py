"""Train a SentencePiece segmentation model (BPE, cased) on one side of a training split or on a text file.

  /usr/bin/python3 scripts/spm_train.py --corpus deu-eng --side src --vocab-size 8000 --out models/spm/deu-eng.de
  /usr/bin/python3 scripts/spm_train.py --corpus tatoeba --side both --vocab-size 7000 --split-digits \
      --out models/spm/fra-eng.shared
  /usr/bin/python3 scripts/spm_train.py --input my.txt --vocab-size 8000 --out my      (writes my.model, my.vocab)

Settings shared by every bundled model (README "Subword models"): BPE, no lowercasing, SentencePiece's default
nmt_nfkc normalization, full character coverage, ids unk 0 = <unk>, bos 1 = <s>, eos 2 = </s>, pad 3 = <pad>,
which are exactly rnnsearch's special tokens, so the model's vocabulary is the SentencePiece piece list.
"""
import argparse
import os
import sys
import tempfile

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402


def train(lines, prefix, vocab_size, model_type="bpe", character_coverage=1.0, split_digits=False):
    """Train on a list of sentences; returns the path of the .model file."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        for line in lines:
            if line.strip():
                f.write(line.replace("\n", " ") + "\n")
        text = f.name
    try:
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=prefix, vocab_size=vocab_size, model_type=model_type,
            character_coverage=character_coverage, unk_id=0, bos_id=1, eos_id=2, pad_id=3,
            unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>", pad_piece="<pad>",
            input_sentence_size=2000000, shuffle_input_sentence=True, num_threads=1,
            split_digits=split_digits, minloglevel=2)
    finally:
        os.unlink(text)
    return prefix + ".model"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", choices=data.CORPORA, help="train on this corpus's training split (scripts/data.py)")
    p.add_argument("--side", choices=["src", "tgt", "both"], default="src",
                   help="which side of --corpus; both: one model for source and target, as models/spm/fra-eng.shared "
                        "(default src)")
    p.add_argument("--input", help="or train on this text file, one sentence per line")
    p.add_argument("--vocab-size", type=int, default=8000, help="pieces, specials included (default 8000)")
    p.add_argument("--model-type", choices=["bpe", "unigram"], default="bpe",
                   help="segmentation algorithm (default bpe; rnnsearch's C segmenter implements bpe)")
    p.add_argument("--character-coverage", type=float, default=1.0,
                   help="share of characters kept as pieces; the rest become <unk> (default 1.0)")
    p.add_argument("--split-digits", action="store_true",
                   help="every digit a piece of its own (no piece holds two digits), so that a model learns to "
                        "copy numbers digit by digit instead of learning each number; off by default: the bundled "
                        "models' segmentations were trained without it")
    p.add_argument("--out", required=True, help="output prefix: writes PREFIX.model and PREFIX.vocab")
    args = p.parse_args()
    if bool(args.corpus) == bool(args.input):
        p.error("give exactly one of --corpus and --input")
    if args.corpus:
        pairs = data.pairs(args.corpus, "train")
        if args.side == "both":  # all source lines, then all target lines: the order models/spm/fra-eng.shared had
            lines = [pair[0] for pair in pairs] + [pair[1] for pair in pairs]
        else:
            lines = [pair[0 if args.side == "src" else 1] for pair in pairs]
    else:
        lines = data.read_lines(args.input)
    print(f"spm_train: {len(lines)} lines -> {args.out}.model", file=sys.stderr)
    train(lines, args.out, args.vocab_size, args.model_type, args.character_coverage, args.split_digits)


if __name__ == "__main__":
    main()
