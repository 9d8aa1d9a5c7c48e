"""The corpora: where they live, and the deterministic splits. Used by train.py, evaluate.sh and aer.py.

  /usr/bin/python3 scripts/data.py CORPUS PART SIDE   prints one side of a split, a line per pair

CORPUS (source -> target):
  multi30k      de -> en  Multi30k captions: train, val (dev), test_2016_flickr (test)
  tatoeba-deu   de -> en  Tatoeba German-English
  deu-eng       de -> en  multi30k + tatoeba-deu together (train and dev only; test each part on its own)
  deu-eng-tune  de -> en  for fine-tuning a deu-eng model on the captions: multi30k train + every 5th pair of
                          tatoeba-deu train (so as not to forget it); dev as deu-eng (train and dev only)
  deu-eng-captions de -> en  a second, caption-heavier fine-tuning set: multi30k train + every 10th pair of
                          tatoeba-deu train from the 3rd on (3rd, 13th, ...: none of deu-eng-tune's); dev as deu-eng
  tatoeba       fr -> en  Tatoeba French-English
  tatoeba-rev   en -> fr  the same pairs and splits, reversed
  persian       en -> fa  Tatoeba English-Persian
PART: train | dev | test | test-unseen (tatoeba and tatoeba-rev: the 1,996 test lines whose French sentence the
word-level models/fra-eng-word.json, trained on an older split, never saw); SIDE: src | tgt

Tatoeba splits are made by sentence, not by line: pairs that share a sentence (on either side) form one
group, and a whole group goes to one part (2% test, 2% dev, the rest train) by the MD5 of the group's first
sentence in sorted order. So no sentence is in two parts, and both directions of a pair use the same split.
"""
import argparse
import hashlib
import os
import sys

from errors import fail

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
CORPORA = ["multi30k", "tatoeba-deu", "deu-eng", "deu-eng-tune", "deu-eng-captions", "tatoeba", "tatoeba-rev",
           "persian"]
LANGS = {"multi30k": ("de", "en"), "tatoeba-deu": ("de", "en"), "deu-eng": ("de", "en"), "deu-eng-tune": ("de", "en"),
         "deu-eng-captions": ("de", "en"),
         "tatoeba": ("fr", "en"), "tatoeba-rev": ("en", "fr"), "persian": ("en", "fa")}
# (file under the data root, column of the source side, column of the target side)
TATOEBA_FILES = {"tatoeba-deu": ("tatoeba-deu/eng-deu.txt", 1, 0), "tatoeba": ("tatoeba/eng-fra.txt", 1, 0),
                 "persian": ("persian/pes.txt", 0, 1)}
PARTS = {"test": (0, 2), "dev": (2, 4), "train": (4, 100)}
# the fine-tuning corpora: deu-eng with these of its Tatoeba training pairs only (disjoint slices)
TUNE_SLICES = {"deu-eng-tune": slice(0, None, 5), "deu-eng-captions": slice(2, None, 10)}
# tatoeba (and tatoeba-rev) only: the test lines whose French sentence the word-level models/fra-eng-word.json
# never saw. It was trained on the split of its time (commit faf524b: bucket of the French sentence alone, >= 4
# trained), so 875 of today's 2,871 test lines were in its training part; these 1,996 are the fair comparison.
UNSEEN_PART = "test-unseen"


def languages(corpus, src_lang="", tgt_lang=""):
    """The (source, target) language codes: those given, else the bundled corpus's, else empty."""
    default_src, default_tgt = LANGS.get(corpus, ("", ""))
    return src_lang or default_src, tgt_lang or default_tgt


def data_root():
    """$RNNSEARCH_DATA if set, else ../shared/data beside the project, else data/corpora (what get-data.sh fetches)."""
    for root in (os.environ.get("RNNSEARCH_DATA"), DEFAULT_ROOT, os.path.join(HERE, "..", "data", "corpora")):
        if root and os.path.isdir(root):
            return root
    fail("data.py: no data folder: run scripts/get-data.sh or set RNNSEARCH_DATA")


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def bucket(text):
    """A stable 0..99 bucket of a text."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16) % 100


def group_buckets(pairs):
    """The bucket of each pair's group: pairs sharing a source or a target sentence are one group (union-find)."""
    parent = {}

    def find(x):
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for s, t in pairs:
        a, b = find(("s", s)), find(("t", t))
        if a != b:
            parent[max(a, b)] = min(a, b)
    # min() over ("s", text)/("t", text) keys: the root is the group's smallest key, a source sentence if any.
    return [bucket(find(("s", s))[1]) for s, _ in pairs]


_cache = {}


def tatoeba_pairs(corpus):
    if corpus not in _cache:
        name, si, ti = TATOEBA_FILES[corpus]
        rows = [line.split("\t") for line in read_lines(os.path.join(data_root(), name)) if line]
        pairs = [(row[si], row[ti]) for row in rows]
        _cache[corpus] = (pairs, group_buckets(pairs))
    return _cache[corpus]


def pairs(corpus, part):
    if part == UNSEEN_PART:
        if corpus not in ("tatoeba", "tatoeba-rev"):
            raise ValueError(f"{UNSEEN_PART} is a part of tatoeba and tatoeba-rev only")
        french = 0 if corpus == "tatoeba" else 1
        return [p for p in pairs(corpus, "test") if bucket(p[french]) < PARTS["train"][0]]
    if part not in PARTS:
        raise ValueError(part)
    if corpus == "multi30k":
        name = {"train": "train", "dev": "val", "test": "test_2016_flickr"}[part]
        src = read_lines(os.path.join(data_root(), "multi30k", name + ".de"))
        tgt = read_lines(os.path.join(data_root(), "multi30k", name + ".en"))
        return list(zip(src, tgt))
    if corpus == "deu-eng" or corpus in TUNE_SLICES:
        if part == "test":
            raise ValueError(f"{corpus} has no joint test set: use multi30k and tatoeba-deu")
        multi = pairs("multi30k", part)
        held_out = {s for s, _ in pairs("multi30k", "test")} | {s for s, _ in pairs("multi30k", "dev")}
        tato = [p for p in pairs("tatoeba-deu", part) if part != "train" or p[0] not in held_out]
        if corpus in TUNE_SLICES and part == "train":
            tato = tato[TUNE_SLICES[corpus]]
        return multi + tato
    if corpus == "tatoeba-rev":
        return [(t, s) for s, t in pairs("tatoeba", part)]
    if corpus not in TATOEBA_FILES:
        raise ValueError(corpus)
    all_pairs, buckets = tatoeba_pairs(corpus)
    lo, hi = PARTS[part]
    return [p for p, b in zip(all_pairs, buckets) if lo <= b < hi]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", choices=CORPORA, help="which corpus (tatoeba-rev: English -> French)")
    parser.add_argument("part", choices=list(PARTS) + [UNSEEN_PART],
                        help=f"which split ({UNSEEN_PART}: the tatoeba test lines fra-eng-word never saw)")
    parser.add_argument("side", choices=["src", "tgt"], help="print the source or the target side")
    args = parser.parse_args()
    index = 0 if args.side == "src" else 1
    out = sys.stdout
    try:
        chosen = pairs(args.corpus, args.part)
    except ValueError as e:
        parser.error(str(e))
    for pair in chosen:
        out.write(pair[index] + "\n")


if __name__ == "__main__":
    main()
