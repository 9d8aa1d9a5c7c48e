"""The corpora: where they live, and the deterministic splits. Used by train.py, evaluate.sh and aer.py.

  /usr/bin/python3 scripts/data.py CORPUS PART SIDE   prints one side of a split, a line per pair
  CORPUS: multi30k (de->en) | tatoeba (fr->en) | persian (en->fa); PART: train | dev | test; SIDE: src | tgt
"""
import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))


def data_root():
    """$RNNSEARCH_DATA if set, else ../shared/data beside the project, else data/corpora (what get-data.sh fetches)."""
    for root in (os.environ.get("RNNSEARCH_DATA"), DEFAULT_ROOT, os.path.join(HERE, "..", "data", "corpora")):
        if root and os.path.isdir(root):
            return root
    sys.exit("data.py: no data folder: run scripts/get-data.sh or set RNNSEARCH_DATA")


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def bucket(text):
    """A stable 0..99 bucket of a source sentence: the Tatoeba and Persian dev/test splits hash the source side,
    so a sentence with several translations lands in one part only."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16) % 100


def pairs(corpus, part):
    root = data_root()
    if corpus == "multi30k":
        name = {"train": "train", "dev": "val", "test": "test_2016_flickr"}[part]
        src = read_lines(os.path.join(root, "multi30k", name + ".de"))
        tgt = read_lines(os.path.join(root, "multi30k", name + ".en"))
        return list(zip(src, tgt))
    if corpus == "tatoeba":
        rows = [line.split("\t") for line in read_lines(os.path.join(root, "tatoeba", "eng-fra.txt")) if line]
        all_pairs = [(fr, en) for en, fr in (row[:2] for row in rows)]
    elif corpus == "persian":
        rows = [line.split("\t") for line in read_lines(os.path.join(root, "persian", "pes.txt")) if line]
        all_pairs = [(en, fa) for en, fa in (row[:2] for row in rows)]
    else:
        raise ValueError(corpus)
    # 2% test, 2% dev; the rest trains.
    want = {"test": (0, 2), "dev": (2, 4), "train": (4, 100)}[part]
    return [(s, t) for s, t in all_pairs if want[0] <= bucket(s) < want[1]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", choices=["multi30k", "tatoeba", "persian"])
    parser.add_argument("part", choices=["train", "dev", "test"])
    parser.add_argument("side", choices=["src", "tgt"])
    args = parser.parse_args()
    index = 0 if args.side == "src" else 1
    out = sys.stdout
    for pair in pairs(args.corpus, args.part):
        out.write(pair[index] + "\n")


if __name__ == "__main__":
    main()
