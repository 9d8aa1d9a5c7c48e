#!/usr/bin/python3
"""The PyTorch reference decoder: rnnsearch's command line and outputs, computed with scripts/model.py.

It is the numerical reference the C engine is tested against (tests/fixtures/ hold its outputs) and the PyTorch
peer in benchmarks. Decoding follows README.md "Decoding"; JSONL is spec section 3 plus "normalized_score".

  /usr/bin/python3 scripts/reference.py -m MODEL [-b 5] [-n 1] [--format text|jsonl] [-a] [FILE...]

Importable: load_model(), prepare(), length_limit(), translate_greedy_batch(), beam_search(), translate_lines().
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import tokenizer as tok  # noqa: E402
from model import V1Model  # noqa: E402
from subword import side_segmenter  # noqa: E402


class Hypothesis:
    """One finished translation: target ids (eos included when emitted), raw score, attention rows."""

    __slots__ = ("ids", "ended_by_eos", "score", "normalized_score", "attention")

    def __init__(self, ids, ended_by_eos, score, attention):
        self.ids = ids
        self.ended_by_eos = ended_by_eos
        self.score = score
        self.normalized_score = score
        self.attention = attention  # list of 1-D float tensors, one per emitted token, or None

    def tokens(self):
        """Target ids without the final eos."""
        return self.ids[:-1] if self.ended_by_eos else list(self.ids)


class Model:
    """A v1 model ready to translate: the module, vocabularies and both sides' tokenizer: a SentencePiece
    segmenter (scripts/subword.py) or word-level options (scripts/tokenizer.py)."""

    def __init__(self, path):
        self.v1 = V1Model(path)
        self.module = self.v1.model.eval()
        self.source_segmenter = side_segmenter(self.v1.tokenizer, "source")
        self.target_segmenter = side_segmenter(self.v1.tokenizer, "target")
        self.source_options = None if self.source_segmenter else tok.side_options(self.v1.tokenizer, "source")
        self.target_options = None if self.target_segmenter else tok.side_options(self.v1.tokenizer, "target")

    def detokenize(self, words):
        if self.target_segmenter:
            return self.target_segmenter.decode(words)
        return tok.detokenize(words, self.target_options)


def segment(segmenter, line):
    """SentencePiece pieces and ids of an input line (bytes or str): invalid UTF-8 becomes U+FFFD, a final LF
    and then CR are dropped, as rnnsearch reads lines. Ids come from SentencePiece itself, so that an unknown
    piece maps to unk even where its text happens to equal a vocabulary string. A NUL byte in a piece is shown
    as U+2400, as rnnsearch shows it."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text[:-1] if text.endswith("\n") else text
    text = text[:-1] if text.endswith("\r") else text
    pieces = [p.replace("\0", "\u2400") for p in segmenter.encode(text)]  # as rnnsearch shows a NUL byte
    return pieces, segmenter.sp.encode(text)


def load_model(path):
    return Model(path)


def prepare(model, line):
    """Source tokens as the encoder sees them (bos/eos added) and their ids; ([], []) for a line without tokens."""
    v1 = model.v1
    if model.source_segmenter:
        words, ids = segment(model.source_segmenter, line)
    else:
        words = tok.tokenize(line, model.source_options)
        ids = [v1.src_index.get(w, v1.src_unk) for w in words]
    if not words:
        return [], []
    tokens = list(words)
    if v1.add_bos:
        tokens.insert(0, v1.src_vocab[v1.src_bos])
        ids.insert(0, v1.src_bos)
    if v1.add_eos:
        tokens.append(v1.src_vocab[v1.src_eos])
        ids.append(v1.src_eos)
    return tokens, ids


def length_limit(source_length, max_length=256, max_length_factor=3.0):
    return min(max_length, math.ceil(max_length_factor * source_length))


def _note_margin(stats, gap):
    """Records how close a decision came to a tie (gaps of exactly 0 are exact ties, broken by the rules)."""
    if stats is None:
        return
    if gap == 0.0:
        stats["exact_ties"] = stats.get("exact_ties", 0) + 1
    else:
        stats["min_margin"] = min(stats.get("min_margin", math.inf), gap)


def _encode(module, sources):
    lengths = torch.tensor([len(s) for s in sources], dtype=torch.long)
    src = torch.zeros(len(sources), int(lengths.max()), dtype=torch.long)
    for row, ids in enumerate(sources):
        src[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
    return module.encode(src, lengths)


@torch.no_grad()
def translate_greedy_batch(model, sources, limits, attention=True, stats=None):
    """Greedy decoding of several sentences at once (a padded batch; masks keep each sentence's result what it
    would be alone). sources: lists of source ids; limits: each one's length limit. Returns Hypothesis objects."""
    module, v1 = model.module, model.v1
    count = len(sources)
    if count == 0:
        return []
    enc_out, mask, state, keys = _encode(module, sources)
    eos = v1.tgt_eos
    ids = [[] for _ in range(count)]
    scores = [0.0] * count
    rows = [[] for _ in range(count)]
    ended = [False] * count
    active = list(range(count))  # original index of each batch row still decoding
    y = torch.full((count,), v1.tgt_bos, dtype=torch.long)
    vocab_ids = None
    step = 0
    while active:
        step += 1
        logits, state, weights = module.step(y, state, enc_out, keys, mask)
        logp = torch.log_softmax(logits, dim=1)
        best = logp.max(dim=1).values
        if vocab_ids is None:
            vocab_ids = torch.arange(logp.size(1))
        # The lowest id among the maxima, whatever argmax's tie order is.
        choice = torch.where(logp == best.unsqueeze(1), vocab_ids, logp.size(1)).min(dim=1).values
        if stats is not None and logp.size(1) > 1:
            top = torch.topk(logp, 2, dim=1).values
            for gap in (top[:, 0] - top[:, 1]).tolist():
                _note_margin(stats, gap)
        keep = []
        for row, (index, w, p) in enumerate(zip(active, choice.tolist(), best.tolist())):
            ids[index].append(w)
            scores[index] += p
            if attention:
                rows[index].append(weights[row, :len(sources[index])].clone())
            if w == eos:
                ended[index] = True
            elif step < limits[index]:
                keep.append(row)
        if len(keep) < len(active):
            if not keep:
                break
            sel = torch.tensor(keep, dtype=torch.long)
            state = state.index_select(1, sel)
            enc_out, keys, mask = enc_out.index_select(0, sel), keys.index_select(0, sel), mask.index_select(0, sel)
            choice = choice.index_select(0, sel)
            active = [active[row] for row in keep]
        y = choice
    return [Hypothesis(ids[i], ended[i], scores[i], rows[i] if attention else None) for i in range(count)]


@torch.no_grad()
def beam_search(model, source, beam, limit, length_penalty=0.6, attention=True, stats=None):
    """Beam search of one sentence as README.md "Decoding" defines it. Returns all finished hypotheses, best first
    by length-normalised score (ties: the order in which they finished)."""
    module, v1 = model.module, model.v1
    enc_out, mask, state, keys = _encode(module, [source])
    src_len = len(source)
    eos = v1.tgt_eos
    # An alive hypothesis: (ids, score, attention rows); the beam's batch rows are in the same order.
    alive = [([], 0.0, [])]
    alive_scores = torch.zeros(1, dtype=torch.float64)
    y = torch.tensor([v1.tgt_bos], dtype=torch.long)
    finished = []
    for step in range(1, limit + 1):
        n = len(alive)
        logits, state, weights = module.step(y, state, enc_out.expand(n, -1, -1), keys.expand(n, -1, -1),
                                             mask.expand(n, -1))
        logp = torch.log_softmax(logits, dim=1)
        vocab = logp.size(1)
        flat = (alive_scores.unsqueeze(1) + logp.double()).reshape(-1)
        need = beam - len(finished)
        # Every candidate at least as good as the need-th best, in flat order (= by i, then w), then a stable
        # sort by score: exactly the order "score descending, ties by i then w".
        top = torch.topk(flat, min(need + 1, flat.numel())).values
        threshold = top[need - 1] if top.numel() >= need else top[-1]
        if stats is not None and top.numel() > need:
            _note_margin(stats, float(top[need - 1] - top[need]))
        candidates = torch.nonzero(flat >= threshold).squeeze(1)
        order = torch.sort(flat[candidates], descending=True, stable=True).indices
        chosen = candidates[order][:need].tolist()
        next_alive, parents, tokens = [], [], []
        for f in chosen:
            i, w = divmod(f, vocab)
            ids, _, rows = alive[i]
            rows = rows + [weights[i, :src_len].clone()] if attention else rows
            hyp = (ids + [w], float(flat[f]), rows)
            if w == eos:
                finished.append(Hypothesis(hyp[0], True, hyp[1], hyp[2] if attention else None))
            else:
                next_alive.append(hyp)
                parents.append(i)
                tokens.append(w)
        if len(finished) >= beam or not next_alive:
            break
        if step == limit:
            finished.extend(Hypothesis(h[0], False, h[1], h[2] if attention else None) for h in next_alive)
            break
        alive = next_alive
        alive_scores = torch.tensor([h[1] for h in alive], dtype=torch.float64)
        sel = torch.tensor(parents, dtype=torch.long)
        state = state.index_select(1, sel)
        y = torch.tensor(tokens, dtype=torch.long)
    if limit < 1:
        finished = [Hypothesis([], False, 0.0, [] if attention else None)]
    normalize(finished, length_penalty)
    ranked = [h for _, h in sorted(enumerate(finished), key=lambda item: (-item[1].normalized_score, item[0]))]
    if stats is not None:
        for a, b in zip(ranked, ranked[1:]):
            _note_margin(stats, a.normalized_score - b.normalized_score)
    return ranked


def normalize(hypotheses, length_penalty):
    """Sets each one's S / |y|^alpha, |y| counting eos when emitted."""
    for hyp in hypotheses:
        length = len(hyp.ids)
        hyp.normalized_score = hyp.score / length ** length_penalty if length else hyp.score
    return hypotheses


def translate_lines(model, lines, beam=5, n_best=1, max_length=256, max_length_factor=3.0, length_penalty=0.6,
                    attention=False, batch_size=1, stats=None):
    """Yields (source tokens, ranked hypotheses) per line, in order; ([], []) for a line without tokens."""
    lines = iter(lines)
    while True:
        chunk = []
        for line in lines:
            chunk.append(prepare(model, line))
            if len(chunk) >= (batch_size if beam == 1 else 1):
                break
        if not chunk:
            return
        if beam == 1:
            todo = [k for k, (_, ids) in enumerate(chunk) if ids]
            results = translate_greedy_batch(
                model, [chunk[k][1] for k in todo],
                [length_limit(len(chunk[k][1]), max_length, max_length_factor) for k in todo], attention, stats)
            by_line = dict(zip(todo, results))
            for k, (tokens, _) in enumerate(chunk):
                yield tokens, (normalize([by_line[k]], length_penalty) if k in by_line else [])
        else:
            tokens, ids = chunk[0]
            if not ids:
                yield tokens, []
                continue
            ranked = beam_search(model, ids, beam, length_limit(len(ids), max_length, max_length_factor),
                                 length_penalty, attention, stats)
            yield tokens, ranked[:n_best]


# ---- output ----

def short_float(x):
    """Enough digits to give the same float32 back, no more."""
    return float("%.9g" % x)


def hypothesis_json(model, hyp, attention):
    words = [model.v1.tgt_vocab[i] for i in hyp.tokens()]
    out = {"tokens": words, "text": model.detokenize(words), "score": hyp.score,
           "normalized_score": hyp.normalized_score}
    if attention:
        out["attention"] = [[short_float(x) for x in row.tolist()] for row in hyp.attention]
    return out


def empty_json(attention):
    out = {"tokens": [], "text": "", "score": 0.0, "normalized_score": 0.0}
    if attention:
        out["attention"] = []
    return out


def jsonl_line(model, index, source, hypotheses, attention):
    hyps = [hypothesis_json(model, h, attention) for h in hypotheses] if source else [empty_json(attention)]
    return json.dumps({"id": index, "source": source, "hypotheses": hyps}, ensure_ascii=False)


def text_lines(model, index, source, hypotheses, n_best, attention):
    """Text output: the translation, or n-best lines `ID ||| TEXT ||| SCORE`; with attention, a matrix after it
    (a row per target token, eos included, a column per source token, weights in percent)."""
    out = []
    if not source:
        return [f"{index} |||  ||| 0.000000"] if n_best > 1 else [""]
    for hyp in hypotheses:
        words = [model.v1.tgt_vocab[i] for i in hyp.tokens()]
        text = model.detokenize(words)
        out.append(f"{index} ||| {text} ||| {hyp.score:.6f}" if n_best > 1 else text)
        if attention:
            targets = [model.v1.tgt_vocab[i] for i in hyp.ids]
            width = max([len(t) for t in targets] + [1])
            out.append(" " * width + " | " + " ".join(source))
            for target, row in zip(targets, hyp.attention):
                out.append(target.ljust(width) + " | " + " ".join(f"{100 * x:3.0f}" for x in row.tolist()))
            out.append("")
    return out


def read_inputs(paths):
    if not paths:
        yield from sys.stdin.buffer
        return
    for path in paths:
        with open(path, "rb") if path != "-" else sys.stdin.buffer as f:
            yield from f


def parse_args(argv):
    p = argparse.ArgumentParser(prog="reference.py", description=__doc__.split("\n")[0])
    p.add_argument("-m", "--model", required=True, help="a v1 model file")
    p.add_argument("-b", "--beam", type=int, default=5, help="beam size; 1 = greedy (default 5)")
    p.add_argument("-n", "--n-best", type=int, default=1, help="hypotheses per line, as rnnsearch -n (default 1)")
    p.add_argument("--max-length", type=int, default=256, help="at most this many target tokens (default 256)")
    p.add_argument("--max-length-factor", type=float, default=3.0,
                   help="and at most this times the source length (default 3.0)")
    p.add_argument("--length-penalty", type=float, default=0.6, help="beam length penalty alpha (default 0.6)")
    p.add_argument("--format", choices=("text", "jsonl"), default="text", help="output format (default text)")
    p.add_argument("-a", "--attention", action="store_true", help="jsonl: include the attention matrices")
    p.add_argument("--batch-size", type=int, default=1, help="greedy: sentences decoded at once")
    p.add_argument("-t", "--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("files", nargs="*", help="input files (default: standard input)")
    args = p.parse_args(argv)
    if args.beam < 1 or args.n_best < 1 or args.n_best > args.beam or args.batch_size < 1 or args.threads < 1:
        p.error("need beam >= 1, 1 <= n-best <= beam, batch-size >= 1, threads >= 1")
    if args.max_length < 1 or args.max_length_factor <= 0:
        p.error("need max-length >= 1 and max-length-factor > 0")
    return args


def main(argv=None, out=None):
    args = parse_args(argv)
    out = out or sys.stdout
    torch.set_num_threads(args.threads)
    try:
        model = load_model(args.model)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(f"reference.py: cannot load {args.model}: {e}", file=sys.stderr)
        return 2
    results = translate_lines(model, read_inputs(args.files), args.beam, args.n_best, args.max_length,
                              args.max_length_factor, args.length_penalty, args.attention, args.batch_size)
    try:
        for index, (source, hypotheses) in enumerate(results):
            if args.format == "jsonl":
                out.write(jsonl_line(model, index, source, hypotheses, args.attention) + "\n")
            else:
                out.write("\n".join(text_lines(model, index, source, hypotheses, args.n_best, args.attention))
                          + "\n")
            out.flush()
    except OSError as e:
        print(f"reference.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
