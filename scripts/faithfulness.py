#!/usr/bin/python3
"""Faithfulness of rnnsearch's attribution methods: deletion and insertion curves with their AOPC, and the
model-randomization sanity check of Adebayo et al. (2018).

  /usr/bin/python3 scripts/faithfulness.py [-m models/deu-eng.json] [--lines 100] [--methods ...] \\
      [--input DATA/multi30k/test_2016_flickr.de] [--plot curves.png] [--json] [--jobs 2]
  /usr/bin/python3 scripts/faithfulness.py --replot run1.json run2.json --plot curves.png

Long runs (1000 sentences; ig costs seconds per sentence) print a progress line per chunk on standard error
(--quiet: none) and run --jobs rnnsearch processes at a time. --replot draws one figure from the --json reports
of several runs (say every method but ig over 1000 sentences and all five over fewer), each method's curves from
the first report that has it.

A script rather than a tool mode: it only drives ./rnnsearch (greedy translation, then --forced decoding of
that translation against perturbed sources, and --explain=METHODS) and aggregates, which is plain Python.

For each sentence the greedy translation y is fixed and each method's importance of source token j is its
score summed over the target steps (the matrix's column sum, bos/eos excluded). Deletion: replace the k most
important tokens by an unknown word (so the encoder sees unk), k = 0 .. n, and track log p(y | source);
AOPC_del = mean over k >= 1 of (log p(y | x) - log p(y | x with k deleted)) / n-normalised: the faster log p
falls, the more faithful the order. Insertion: start from all tokens unknown and restore them in the method's
order; AOPC_ins = mean over k >= 1 of (log p(y | k restored) - log p(y | none)). Both are averaged over
sentences, per token of y (log p divided by |y|), and compared with a random order (the floor a method must
beat). Randomization: the same attributions from a copy of the model with every weight re-drawn (same
architecture and vocabularies), for the same y; the mean Spearman correlation of each sentence's importance
vectors between the two models should be near 0 for a method that depends on what the model learned.
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

from errors import fail  # noqa: E402

UNKNOWN = "qqqzzzunk"  # a word no bundled vocabulary holds: the encoder sees the source unk


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-m", "--model", default=os.path.join(ROOT, "models", "deu-eng.json"), help="model file")
    p.add_argument("--input", default=os.path.join(ROOT, "..", "shared", "data", "multi30k", "test_2016_flickr.de"),
                   help="source sentences, one per line (default: the Multi30k test_2016 German side)")
    p.add_argument("--lines", type=int, default=100, help="first N lines of --input (default 100)")
    p.add_argument("--methods", default="attention,occlusion,saliency,grad_input,ig",
                   help="comma list of rnnsearch --explain methods (default all five)")
    p.add_argument("--ig-steps", type=int, default=0, help="rnnsearch --ig-steps (default 0: adaptive)")
    p.add_argument("--binary", default=os.path.join(ROOT, "rnnsearch"), help="the rnnsearch binary")
    p.add_argument("--seed", type=int, default=1, help="seed of the random order and the randomized model")
    p.add_argument("--plot", help="write the mean deletion/insertion curves to this PNG")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
    p.add_argument("--jobs", type=int, default=2, help="rnnsearch processes at a time (default 2)")
    p.add_argument("--replot", nargs="+", metavar="JSON",
                   help="instead: draw --plot from the --json reports of earlier runs (each method from the first "
                        "report that has it)")
    return p.parse_args(argv)


def progress(what, done, total, started):
    """One line on standard error per chunk: a run over 1000 sentences takes hours on a loaded machine."""
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0.0
    sys.stderr.write(f"faithfulness.py: {what}: {done}/{total} lines, {elapsed / 60:.1f} min, "
                     f"ETA {eta / 60:.1f} min\n")
    sys.stderr.flush()


def run_jsonl(args, model, options, lines, what="forced decoding", chunk=None):
    """rnnsearch's JSONL objects for `lines`, `chunk` lines per process (default: all in one), --jobs processes
    at a time (one thread each), with a progress line per chunk: a loaded machine gives each process a share."""
    chunk = chunk or max(len(lines), 1)
    parts = [lines[start:start + chunk] for start in range(0, len(lines), chunk)]
    started, finished = time.monotonic(), [0]
    lock = threading.Lock()

    def one(part):
        done = subprocess.run([args.binary, "-m", model, "--format", "jsonl", "-t", "1"] + options,
                              input="".join(line + "\n" for line in part).encode(), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"rnnsearch failed: {done.stderr.decode().strip()}")
        objs = [json.loads(line) for line in done.stdout.decode().splitlines()]
        with lock:
            finished[0] += len(part)
            if not args.quiet:
                progress(what, finished[0], len(lines), started)
        return objs

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            results = list(pool.map(one, parts))
    except RuntimeError as e:
        fail(f"faithfulness.py: {e}")
    return [obj for objs in results for obj in objs]


def importances(args, model, sources, targets, methods, first):
    """Per sentence, per method, the importance of each source token (column sums, bos/eos excluded; the
    tokens start at column `first`)."""
    options = ["--forced", "--explain=" + ",".join(methods)]
    if args.ig_steps:
        options += ["--ig-steps", str(args.ig_steps)]
    out = []
    what = "attributions, " + ("trained model" if model == args.model else "randomized model")
    # ig costs seconds per sentence: small chunks keep the progress lines coming
    chunk = 5 if "ig" in methods else 50
    for obj, tokens in zip(run_jsonl(args, model, options, [f"{s}\t{t}" for s, t in zip(sources, targets)],
                                     what, chunk), sources):
        h = obj["hypotheses"][0]
        n = len(tokens.split())
        out.append({m: np.asarray(h[m])[:, first:first + n].sum(axis=0) for m in methods})
    return out


def curve_lines(sources, targets, orders, deletion):
    """The forced lines of each sentence's curve: k = 0 .. n tokens deleted (or restored) in its order."""
    out = []
    for src, tgt, order in zip(sources, targets, orders):
        words = src.split()
        lines = []
        for k in range(len(words) + 1):
            chosen = set(order[:k])
            kept = [w if (j in chosen) != deletion else UNKNOWN for j, w in enumerate(words)]
            lines.append(" ".join(kept) + "\t" + tgt)
        out.append(lines)
    return out


def all_curves(args, sources, targets, orders):
    """{order name: (deletion curves, insertion curves)}: log p(y) per token of y along each order. Every
    distinct forced line is decoded once (the full and the empty source recur in every order)."""
    plans = {(m, d): curve_lines(sources, targets, order, d) for m, order in orders.items() for d in (True, False)}
    distinct = sorted({line for curves in plans.values() for lines in curves for line in lines})
    objs = run_jsonl(args, args.model, ["--forced"], distinct, "deletion and insertion curves", 500)
    score = {}
    for line, obj in zip(distinct, objs):
        h = obj["hypotheses"][0]
        score[line] = h["score"] / max(len(h["tokens"]) + 1, 1)
    return {m: tuple([[score[line] for line in lines] for lines in plans[(m, d)]] for d in (True, False))
            for m in orders}


def aopc(curves, deletion):
    values = [np.mean([(c[0] - x) if deletion else (x - c[0]) for x in c[1:]]) for c in curves if len(c) > 1]
    return float(np.mean(values))


def randomized_model(path, seed):
    """A copy of the model file with every weight re-drawn N(0, 0.1), same shapes and vocabularies."""
    import torch
    from model import V1Model, save_v1
    torch.manual_seed(seed)
    v1 = V1Model(path)
    with torch.no_grad():
        for p in v1.model.parameters():
            p.normal_(0.0, 0.1)
    specials = v1.doc["special_tokens"]
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    save_v1(out, v1.model, v1.src_vocab, v1.tgt_vocab, v1.doc.get("meta"), v1.tokenizer, v1.add_bos, v1.add_eos,
            "f32", specials)
    return out


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    if len(a) < 3 or np.std(ra) == 0 or np.std(rb) == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        if not args.plot:
            fail("faithfulness.py: --replot needs --plot FILE")
        replot(args.replot, args.plot)
        return
    methods = args.methods.split(",")
    with open(args.input, encoding="utf-8") as f:
        raw = [line.rstrip("\n") for line in f][:args.lines]
    translated = run_jsonl(args, args.model, ["-b", "1"], raw, "greedy translation")
    with open(args.model, encoding="utf-8") as f:
        source_side = json.load(f)["source"]
    first, last = int(bool(source_side.get("add_bos"))), int(bool(source_side.get("add_eos", True)))
    # the source as its tokens joined by spaces (re-tokenized identically), and the greedy translation
    sources = [" ".join(o["source"][first:len(o["source"]) - last]) for o in translated]
    targets = [" ".join(o["hypotheses"][0]["tokens"]) for o in translated]
    keep = [k for k, s in enumerate(sources) if s and targets[k]]
    sources, targets = [sources[k] for k in keep], [targets[k] for k in keep]
    scores = importances(args, args.model, sources, targets, methods, first)
    rng = random.Random(args.seed)
    results, mean_curves = {}, {}
    orders = {m: [list(np.argsort(-s[m], kind="stable")) for s in scores] for m in methods}
    orders["random"] = [rng.sample(range(len(s.split())), len(s.split())) for s in sources]
    for m, (dele, ins) in all_curves(args, sources, targets, orders).items():
        results[m] = {"aopc_deletion": aopc(dele, True), "aopc_insertion": aopc(ins, False)}
        mean_curves[m] = (dele, ins)
    random_model = randomized_model(args.model, args.seed)
    try:
        random_scores = importances(args, random_model, sources, targets, methods, first)
    finally:
        os.unlink(random_model)
    for m in methods:
        rhos = [spearman(a[m], b[m]) for a, b in zip(scores, random_scores)]
        rhos = [r for r in rhos if r is not None]
        results[m]["randomization_rho"] = float(np.mean(rhos)) if rhos else None
    report = {"model": args.model, "sentences": len(sources), "results": results,
              "curves": {m: {"deletion": mean_curve(d), "insertion": mean_curve(i)} for m, (d, i) in mean_curves.items()}}
    if args.plot:
        plot({m: (c["deletion"], c["insertion"]) for m, c in report["curves"].items()}, args.plot)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"{len(sources)} sentences, {args.model}; log p per target token; random order for reference")
    print("| method | AOPC deletion | AOPC insertion | rho with a randomized model |\n|---|---|---|---|")
    for m, r in results.items():
        rho = r.get("randomization_rho")
        print(f"| {m} | {r['aopc_deletion']:.3f} | {r['aopc_insertion']:.3f} | "
              f"{'-' if rho is None else f'{rho:.3f}'} |")


GRID = np.linspace(0, 1, 11)


def mean_curve(curves):
    """The sentences' curves (k = 0 .. n tokens) on a common grid of fractions 0, 0.1, .. 1, averaged."""
    ys = [np.interp(GRID, np.linspace(0, 1, len(c)), c) for c in curves if len(c) > 1]
    return [float(y) for y in np.mean(ys, axis=0)]


def replot(paths, out):
    """One figure from the --json reports of several runs (say every method but ig over 1000 sentences, and ig
    over fewer): each method's curves from the first report that has it, labelled with its sentence count
    when the reports' counts differ."""
    reports = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            reports.append(json.load(f))
    counts = {r["sentences"] for r in reports}
    curves = {}
    for r in reports:
        for m, c in r["curves"].items():
            if m in {k.split(" (")[0] for k in curves}:
                continue
            label = f"{m} ({r['sentences']})" if len(counts) > 1 else m
            curves[label] = (c["deletion"], c["insertion"])
    plot(curves, out)


def plot(curves, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for m, (dele, ins) in curves.items():
        for ax, ys in zip(axes, (dele, ins)):
            ax.plot(GRID, ys, label=m, linestyle="--" if m.startswith("random") else "-")
    for ax, title in zip(axes, ("deletion (most important first)", "insertion (most important first)")):
        ax.set_title(title)
        ax.set_xlabel("fraction of source tokens deleted" if "deletion" in title else "fraction restored")
        ax.set_ylabel("log p(translation) per token")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
