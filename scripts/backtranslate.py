"""Back-translation (Sennrich et al. 2016): synthetic French for in-domain English, to train fra-eng on more pairs.

Tatoeba's German-English file holds English sentences that its French-English file does not: in-domain
monolingual English for fra-eng. This script takes those (each once, in file order), translates them into
French with the bundled reverse model (./rnnsearch -m models/eng-fra.json, beam 5: the engine is bit-identical
across threads and CPUs, so the output is reproducible), drops unusable pairs, and writes a training set for
scripts/train.py --train-src/--train-tgt: the tatoeba training split first, then the synthetic pairs.

  /usr/bin/python3 scripts/backtranslate.py --out-dir train-runs/bt

Kept out, so that nothing of the tatoeba dev and test splits reaches training: every English sentence of the
French-English file (all of its splits: those have real French already) and every synthetic French line equal
to a French sentence of the dev or test split. Dropped as unusable: lines that hit the decoder's length limit,
empty outputs, and pairs whose lengths in characters differ by more than --max-ratio.
"""
import argparse
import os
import subprocess
import sys

import data
from errors import fail

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))


def monolingual_english():
    """English sentences of tatoeba-deu that are nowhere in the French-English file, each once, in file order."""
    french_english = {en for _, en in data.tatoeba_pairs("tatoeba")[0]}
    seen, out = set(), []
    for _, en in data.tatoeba_pairs("tatoeba-deu")[0]:
        if en not in french_english and en not in seen:
            seen.add(en)
            out.append(en)
    return out


def select_pairs(french, english, held_out, max_ratio):
    """The usable (synthetic French, English) pairs, and how many were dropped for which reason."""
    # a runaway output cut at the engine's length limit (3x the source pieces) is a degenerate repetition:
    # the character ratio catches it
    kept, dropped = [], {"empty": 0, "ratio": 0, "held-out": 0}
    for fr, en in zip(french, english):
        if not fr.strip():
            dropped["empty"] += 1
        elif max(len(fr), len(en)) > max_ratio * min(len(fr), len(en)):
            dropped["ratio"] += 1
        elif fr in held_out:
            dropped["held-out"] += 1
        else:
            kept.append((fr, en))
    return kept, dropped


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", required=True, help="where mono.en, mono.fr and train.{fr,en}, dev.{fr,en} go")
    p.add_argument("--model", default=os.path.join(ROOT, "models", "eng-fra.json"),
                   help="the English -> French model (default models/eng-fra.json)")
    p.add_argument("--beam", type=int, default=5, help="beam size of the back-translation (default 5)")
    p.add_argument("--threads", type=int, default=2, help="rnnsearch threads (default 2; output does not depend on it)")
    p.add_argument("--max-ratio", type=float, default=2.0,
                   help="drop pairs whose character lengths differ by more than this factor (default 2.0)")
    p.add_argument("--reuse", action="store_true", help="keep an existing OUT_DIR/mono.fr of the same length")
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    english = monolingual_english()
    mono_en, mono_fr = os.path.join(args.out_dir, "mono.en"), os.path.join(args.out_dir, "mono.fr")
    write_lines(mono_en, english)
    print(f"backtranslate: {len(english)} English sentences not in the French-English file", file=sys.stderr)
    if not (args.reuse and os.path.exists(mono_fr) and len(data.read_lines(mono_fr)) == len(english)):
        print(f"backtranslate: translating with {args.model} (beam {args.beam})", file=sys.stderr)
        with open(mono_en, "rb") as src, open(mono_fr, "wb") as dst:
            run = subprocess.run([os.path.join(ROOT, "rnnsearch"), "-m", args.model, "-b", str(args.beam),
                                  "-t", str(args.threads)], stdin=src, stdout=dst)
        if run.returncode != 0:
            fail(f"backtranslate: rnnsearch exited {run.returncode}")
    french = data.read_lines(mono_fr)
    if len(french) != len(english):
        fail(f"backtranslate: {mono_fr} has {len(french)} lines, expected {len(english)}")
    held_out = {fr for part in ("dev", "test") for fr, _ in data.pairs("tatoeba", part)}
    kept, dropped = select_pairs(french, english, held_out, args.max_ratio)
    train = data.pairs("tatoeba", "train")
    write_lines(os.path.join(args.out_dir, "train.fr"), [fr for fr, _ in train] + [fr for fr, _ in kept])
    write_lines(os.path.join(args.out_dir, "train.en"), [en for _, en in train] + [en for _, en in kept])
    dev = data.pairs("tatoeba", "dev")
    write_lines(os.path.join(args.out_dir, "dev.fr"), [fr for fr, _ in dev])
    write_lines(os.path.join(args.out_dir, "dev.en"), [en for _, en in dev])
    print(f"backtranslate: kept {len(kept)} synthetic pairs (dropped {dropped}); train = {len(train)} real + "
          f"{len(kept)} synthetic", file=sys.stderr)


if __name__ == "__main__":
    main()
