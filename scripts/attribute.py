#!/usr/bin/python3
"""Gradient attribution by PyTorch autograd: the reference for rnnsearch --explain=saliency,grad_input,ig.

Reads rnnsearch's JSONL (--format jsonl, with --explain=... so that each hypothesis's row count says whether
eos was emitted), recomputes the methods for every hypothesis with autograd through scripts/model.py, and
writes one JSON line per input line: {"id": ..., "hypotheses": [{"saliency": [[...]], ...}, ...]}.

  ./rnnsearch -m MODEL --format jsonl --explain=saliency,grad_input,ig --ig-steps 32 < src | \\
      /usr/bin/python3 scripts/attribute.py -m MODEL --ig-steps 32 [--compare] > reference.jsonl

With --compare it prints, instead, the largest relative error of each method over all hypotheses
(max |C - autograd| / max |autograd| per matrix) and exits 1 when one exceeds --tolerance.

Definitions (src/engine/attribution.h): g_tj = d log p(y_t) / d e_j; saliency ||g_tj||; grad_input e_j . g_tj;
ig = e_j . integral_0^1 g_tj(alpha e) d alpha from the zero-embedding baseline, by Gauss-Legendre quadrature
(numpy's leggauss nodes) with --ig-steps nodes."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from model import V1Model  # noqa: E402

METHODS = ("saliency", "grad_input", "ig")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-m", "--model", required=True, help="the v1 model file rnnsearch used")
    parser.add_argument("--ig-steps", type=int, default=32,
                        help="Gauss-Legendre nodes of ig: rnnsearch's --ig-steps (default 32)")
    parser.add_argument("--compare", action="store_true",
                        help="compare with the matrices in the input instead of writing them")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest relative error accepted with --compare (default 1e-4)")
    parser.add_argument("input", nargs="?", default="-", help="rnnsearch JSONL (default: standard input)")
    return parser.parse_args(argv)


def log_probs(module, embedded, targets, bos):
    """log p(y_t) for every step t, teacher-forced, from the encoder input embedded [1, S, Es]."""
    config = module.config
    enc, dec = config["encoder"], config["decoder"]
    enc_out, h_n = module.encoder.rnn(embedded)
    if config["bridge"] == "linear_tanh":
        dirs = 2 if enc["bidirectional"] else 1
        top = h_n.view(enc["num_layers"], dirs, 1, enc["hidden_size"])[-1]
        final = torch.cat([top[0], top[1]], dim=1) if dirs == 2 else top[0]
        state = torch.tanh(module.bridge(final)).view(1, dec["num_layers"], dec["hidden_size"]).transpose(0, 1)
        state = state.contiguous()
    elif config["bridge"] == "copy":
        state = h_n
    else:
        state = enc_out.new_zeros(dec["num_layers"], 1, dec["hidden_size"])
    keys = module.attention.keys(enc_out)
    mask = torch.ones(1, embedded.size(1), dtype=torch.bool)
    out = []
    prev = torch.tensor([bos])
    for target in targets:
        logits, state, _ = module.step(prev, state, enc_out, keys, mask)
        out.append(torch.log_softmax(logits, dim=1)[0, target])
        prev = torch.tensor([target])
    return out


def gradients(module, table, targets, bos, scale):
    """[T, S, Es] gradients of each log p(y_t) by the encoder input scale * table."""
    x = (scale * table).clone().requires_grad_(True)
    logps = log_probs(module, x.unsqueeze(0), targets, bos)
    rows = [torch.autograd.grad(lp, x, retain_graph=True)[0] for lp in logps]
    return torch.stack(rows), torch.stack([lp.detach() for lp in logps])


def attribute(v1, source, tokens, steps, ig_steps):
    """The three methods' [T, S] matrices for one hypothesis (source strings, target strings, T rows)."""
    module = v1.model.double()
    ids = [v1.src_index.get(s, v1.src_unk) for s in source]
    targets = [v1.tgt_index.get(t, v1.tgt_unk) for t in tokens]
    if steps == len(tokens) + 1:
        targets.append(v1.tgt_eos)
    table = module.encoder.embedding.weight.detach()[torch.tensor(ids)]
    grad, _ = gradients(module, table, targets, v1.tgt_bos, 1.0)
    result = {"saliency": grad.norm(dim=2), "grad_input": (grad * table).sum(dim=2)}
    nodes, weights = np.polynomial.legendre.leggauss(ig_steps)
    ig = torch.zeros_like(result["saliency"])
    for node, weight in zip(nodes, weights):
        g, _ = gradients(module, table, targets, v1.tgt_bos, float((node + 1) / 2))
        ig += float(weight / 2) * (g * table).sum(dim=2)
    result["ig"] = ig
    return {k: v.tolist() for k, v in result.items()}


def relative_error(ours, reference):
    ours, reference = np.asarray(ours, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    scale = max(np.abs(reference).max(), 1e-30)
    return float(np.abs(ours - reference).max() / scale)


def main(argv=None):
    args = parse_args(argv)
    v1 = V1Model(args.model)
    stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    worst = {m: 0.0 for m in METHODS}
    for line in stream:
        obj = json.loads(line)
        out = []
        for hyp in obj["hypotheses"]:
            present = [m for m in METHODS if m in hyp]
            if not present or not hyp[present[0]]:
                out.append({})
                continue
            ref = attribute(v1, obj["source"], hyp["tokens"], len(hyp[present[0]]), args.ig_steps)
            out.append(ref)
            for m in present:
                worst[m] = max(worst[m], relative_error(hyp[m], ref[m]))
        if not args.compare:
            print(json.dumps({"id": obj["id"], "hypotheses": out}))
    if args.compare:
        for m in METHODS:
            print(f"{m}: largest relative error {worst[m]:.3g}")
        return 0 if all(w <= args.tolerance for w in worst.values()) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
