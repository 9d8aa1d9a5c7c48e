"""Train an RNNsearch model (spec section 1 architecture) and write it as a v1 model file.

Example (the bundled German->English model):
  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/train.py --corpus multi30k --out-dir train-runs/deu-eng \
      --export models/deu-eng.json
Checkpoints go to --out-dir after every epoch; --resume continues from the last one.
"""
import argparse
import collections
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import tokenizer as tok  # noqa: E402
from model import RNNSearch, save_v1  # noqa: E402

SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
UNK, BOS, EOS, PAD = range(4)
TOKENIZERS = {
    "multi30k": {"lowercase": True, "split_punctuation": True, "target": {"capitalize": True}},
    "tatoeba": {"lowercase": True, "split_punctuation": True, "source": {"split_elision": True},
                "target": {"capitalize": True}},
    "persian": {"lowercase": True, "split_punctuation": True},
}
LANGS = {"multi30k": ("de", "en"), "tatoeba": ("fr", "en"), "persian": ("en", "fa")}


def build_vocab(sentences, min_freq):
    counts = collections.Counter(t for s in sentences for t in s)
    words = sorted((w for w, c in counts.items() if c >= min_freq and w not in SPECIALS),
                   key=lambda w: (-counts[w], w))
    return SPECIALS + words


def numberize(sentences, vocab, bos, eos):
    index = {w: i for i, w in enumerate(vocab)}
    out = []
    for s in sentences:
        ids = [index.get(t, UNK) for t in s]
        out.append(([BOS] if bos else []) + ids + ([EOS] if eos else []))
    return out


def batches(pairs, batch_size, shuffle, rng):
    """Length-bucketed batches: sort pools of 50 batches by source length, so padding stays small."""
    order = list(range(len(pairs)))
    if shuffle:
        rng.shuffle(order)
    pool = batch_size * 50
    result = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: len(pairs[i][0]))
        result.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    if shuffle:
        rng.shuffle(result)
    return result


def collate(pairs, idx):
    srcs = [pairs[i][0] for i in idx]
    tgts = [pairs[i][1] for i in idx]
    s_len = max(len(s) for s in srcs)
    t_len = max(len(t) for t in tgts) + 1
    src = torch.full((len(idx), s_len), PAD, dtype=torch.long)
    tgt_in = torch.full((len(idx), t_len), PAD, dtype=torch.long)
    tgt_out = torch.full((len(idx), t_len), PAD, dtype=torch.long)
    for row, (s, t) in enumerate(zip(srcs, tgts)):
        src[row, :len(s)] = torch.tensor(s)
        tgt_in[row, :len(t) + 1] = torch.tensor([BOS] + t)
        tgt_out[row, :len(t) + 1] = torch.tensor(t + [EOS])
    lens = torch.tensor([len(s) for s in srcs])
    return src, lens, tgt_in, tgt_out


def teacher_forced_logits(model, src, lens, tgt_in):
    """Like RNNSearch.forward, but one output-layer matmul over all steps (the loop holds only the recurrence)."""
    enc_out, mask, state, keys = model.encode(src, lens)
    features = []
    for t in range(tgt_in.size(1)):
        weights, context = model.attention(state[-1], keys, enc_out, mask)
        emb = model.dropout(model.decoder.embedding(tgt_in[:, t]))
        out, state = model.decoder.rnn(torch.cat([emb, context], dim=1).unsqueeze(1), state)
        parts = {"state": out.squeeze(1), "context": context, "embedding": emb}
        features.append(torch.cat([parts[p] for p in model.config["output"]], dim=1))
    features = torch.stack(features, dim=1)
    return model.output(model.dropout(features))


@torch.no_grad()
def greedy(model, src, lens, max_len):
    enc_out, mask, state, keys = model.encode(src, lens)
    y = torch.full((src.size(0),), BOS, dtype=torch.long)
    done = torch.zeros(src.size(0), dtype=torch.bool)
    out = []
    for _ in range(max_len):
        logits, state, _ = model.step(y, state, enc_out, keys, mask)
        y = logits.argmax(dim=1)
        out.append(y)
        done |= y == EOS
        if done.all():
            break
    rows = torch.stack(out, dim=1).tolist()
    result = []
    for row in rows:
        result.append(row[:row.index(EOS)] if EOS in row else row)
    return result


def simple_bleu(hyps, refs):
    """Corpus BLEU-4 on token lists (for model selection only; scripts/bleu.py gives the reported figures)."""
    match, total = [0] * 4, [0] * 4
    hyp_len = ref_len = 0
    for h, r in zip(hyps, refs):
        hyp_len += len(h)
        ref_len += len(r)
        for n in range(4):
            hc = collections.Counter(tuple(h[i:i + n + 1]) for i in range(len(h) - n))
            rc = collections.Counter(tuple(r[i:i + n + 1]) for i in range(len(r) - n))
            match[n] += sum(min(c, rc[g]) for g, c in hc.items())
            total[n] += max(len(h) - n, 0)
    if min(match) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(match, total)) / 4
    bp = min(0.0, 1 - ref_len / max(hyp_len, 1))
    return 100 * math.exp(log_p + bp)


def evaluate(model, pairs, tgt_vocab, batch_size, criterion):
    model.eval()
    loss_sum, tokens = 0.0, 0
    hyps, refs = [], []
    with torch.no_grad():
        for idx in batches(pairs, batch_size, False, None):
            src, lens, tgt_in, tgt_out = collate(pairs, idx)
            logits = teacher_forced_logits(model, src, lens, tgt_in)
            n = (tgt_out != PAD).sum().item()
            loss_sum += criterion(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1)).item() * n
            tokens += n
            out = greedy(model, src, lens, max(len(pairs[i][1]) for i in idx) * 2 + 10)
            hyps.extend(out)
            refs.extend(pairs[i][1] for i in idx)
    model.train()
    return loss_sum / tokens, simple_bleu(hyps, refs)


def average_states(paths):
    states = [torch.load(p, map_location="cpu")["model"] for p in paths]
    return {k: sum(s[k] for s in states) / len(states) for k in states[0]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", choices=sorted(TOKENIZERS), required=True)
    p.add_argument("--out-dir", required=True, help="checkpoints and log")
    p.add_argument("--export", help="write the final v1 model file here")
    p.add_argument("--dtype", default="f16", choices=["f16", "f32", "list"])
    p.add_argument("--resume", action="store_true")
    p.add_argument("--emb", type=int, default=256)
    p.add_argument("--enc-hidden", type=int, default=192)
    p.add_argument("--enc-layers", type=int, default=1)
    p.add_argument("--unidirectional", action="store_true")
    p.add_argument("--dec-hidden", type=int, default=384)
    p.add_argument("--dec-layers", type=int, default=1)
    p.add_argument("--attn-dim", type=int, default=256)
    p.add_argument("--score", default="additive", choices=["additive", "dot", "scaled_dot", "general"])
    p.add_argument("--bridge", default="linear_tanh", choices=["linear_tanh", "copy", "zeros"])
    p.add_argument("--output", default="state", help="comma-separated output parts")
    p.add_argument("--min-freq", type=int, default=2)
    p.add_argument("--max-tokens", type=int, default=50, help="drop training pairs longer than this")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lr-decay", type=float, default=0.5, help="factor when the dev score does not improve")
    p.add_argument("--select", choices=["bleu", "loss"], default="bleu",
                   help="dev score for LR decay, early stopping and the final choice (loss: for tiny data sets)")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--patience", type=int, default=3, help="stop after this many epochs without dev improvement")
    p.add_argument("--average", type=int, default=3, help="average the best epoch with the ones before it")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--log-every", type=int, default=50)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    log = open(os.path.join(args.out_dir, "train.log"), "a")

    def say(msg):
        print(msg, file=sys.stderr, flush=True)
        log.write(msg + "\n")
        log.flush()

    tok_config = TOKENIZERS[args.corpus]
    src_opts = tok.side_options(tok_config, "source")
    tgt_opts = tok.side_options(tok_config, "target")
    add_bos, add_eos = False, True

    def tokenized(part):
        pairs = data.pairs(args.corpus, part)
        return [tok.tokenize(s, src_opts) for s, _ in pairs], [tok.tokenize(t, tgt_opts) for _, t in pairs]

    train_src, train_tgt = tokenized("train")
    dev_src, dev_tgt = tokenized("dev")
    keep = [i for i in range(len(train_src))
            if 0 < len(train_src[i]) <= args.max_tokens and 0 < len(train_tgt[i]) <= args.max_tokens]
    train_src = [train_src[i] for i in keep]
    train_tgt = [train_tgt[i] for i in keep]
    src_vocab = build_vocab(train_src, args.min_freq)
    tgt_vocab = build_vocab(train_tgt, args.min_freq)
    train = list(zip(numberize(train_src, src_vocab, add_bos, add_eos), numberize(train_tgt, tgt_vocab, False, False)))
    dev = list(zip(numberize(dev_src, src_vocab, add_bos, add_eos), numberize(dev_tgt, tgt_vocab, False, False)))
    say(f"{args.corpus}: {len(train)} training pairs, {len(dev)} dev; vocab {len(src_vocab)} / {len(tgt_vocab)}")

    config = {
        "encoder": {"embedding_dim": args.emb, "hidden_size": args.enc_hidden, "num_layers": args.enc_layers,
                    "bidirectional": not args.unidirectional},
        "decoder": {"embedding_dim": args.emb, "hidden_size": args.dec_hidden, "num_layers": args.dec_layers},
        "bridge": args.bridge,
        "attention": {"score": args.score, "dim": args.attn_dim},
        "output": args.output.split(","),
    }
    if args.score != "additive":
        del config["attention"]["dim"]
    model = RNNSearch(config, len(src_vocab), len(tgt_vocab), dropout=args.dropout)
    params = sum(t.numel() for t in model.parameters())
    say(f"parameters: {params} ({params / 1e6:.2f}M)")
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=args.label_smoothing)
    plain_ce = nn.CrossEntropyLoss(ignore_index=PAD)

    state = {"epoch": 0, "best_bleu": -math.inf, "best_epoch": 0, "bad_epochs": 0, "history": []}
    last_path = os.path.join(args.out_dir, "last.pt")
    if args.resume and os.path.exists(last_path):
        ckpt = torch.load(last_path, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        say(f"resumed after epoch {state['epoch']} (best dev BLEU {state['best_bleu']:.2f} at {state['best_epoch']})")

    def checkpoint(path, weights):
        torch.save({"config": config, "model": weights, "src_vocab": src_vocab, "tgt_vocab": tgt_vocab,
                    "tokenizer": tok_config, "add_bos": add_bos, "add_eos": add_eos,
                    "meta": {"corpus": args.corpus, "args": vars(args)}}, path)

    model.train()
    while state["epoch"] < args.epochs and state["bad_epochs"] < args.patience:
        epoch = state["epoch"] + 1
        started = time.time()
        plan = batches(train, args.batch_size, True, rng)
        loss_sum, tokens = 0.0, 0
        for step, idx in enumerate(plan, 1):
            src, lens, tgt_in, tgt_out = collate(train, idx)
            logits = teacher_forced_logits(model, src, lens, tgt_in)
            loss = criterion(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            n = (tgt_out != PAD).sum().item()
            loss_sum += loss.item() * n
            tokens += n
            if step % args.log_every == 0 or step == len(plan):
                elapsed = time.time() - started
                eta = elapsed / step * (len(plan) - step)
                say(f"epoch {epoch} {step}/{len(plan)} loss {loss_sum / tokens:.3f} "
                    f"{tokens / elapsed:.0f} tok/s eta {eta / 60:.1f} min")
        dev_loss, dev_bleu = evaluate(model, dev, tgt_vocab, 256, plain_ce)
        minutes = (time.time() - started) / 60
        lr = optimizer.param_groups[0]["lr"]
        say(f"epoch {epoch} done in {minutes:.1f} min: train loss {loss_sum / tokens:.3f}, dev loss {dev_loss:.3f}, "
            f"dev BLEU {dev_bleu:.2f} (greedy, tokenized), lr {lr:g}")
        state["history"].append({"epoch": epoch, "train_loss": loss_sum / tokens, "dev_loss": dev_loss,
                                 "dev_bleu": dev_bleu, "lr": lr, "minutes": minutes})
        checkpoint(os.path.join(args.out_dir, f"epoch{epoch}.pt"), model.state_dict())
        dev_score = dev_bleu if args.select == "bleu" else -dev_loss
        if dev_score > state["best_bleu"]:
            state.update(best_bleu=dev_score, best_epoch=epoch, bad_epochs=0)
        else:
            state["bad_epochs"] += 1
            for group in optimizer.param_groups:
                group["lr"] *= args.lr_decay
        state["epoch"] = epoch
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                    "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, last_path)

    best = state["best_epoch"]
    say(f"best epoch {best}: dev {args.select} score {state['best_bleu']:.3f}")
    chosen = torch.load(os.path.join(args.out_dir, f"epoch{best}.pt"), map_location="cpu")["model"]
    chosen_bleu, how = state["best_bleu"], f"epoch {best}"
    window = [e for e in range(best - args.average + 1, best + 1)
              if e >= 1 and os.path.exists(os.path.join(args.out_dir, f"epoch{e}.pt"))]
    if len(window) > 1:
        averaged = average_states([os.path.join(args.out_dir, f"epoch{e}.pt") for e in window])
        model.load_state_dict(averaged)
        avg_loss, avg_bleu = evaluate(model, dev, tgt_vocab, 256, plain_ce)
        avg_bleu = avg_bleu if args.select == "bleu" else -avg_loss
        say(f"average of epochs {window}: dev {args.select} score {avg_bleu:.3f}")
        if avg_bleu > chosen_bleu:
            chosen, chosen_bleu, how = averaged, avg_bleu, f"average of epochs {window}"
    model.load_state_dict(chosen)
    checkpoint(os.path.join(args.out_dir, "final.pt"), chosen)
    say(f"final model: {how}, dev {args.select} score {chosen_bleu:.3f}")
    if args.export:
        src_lang, tgt_lang = LANGS[args.corpus]
        meta = {"name": f"{src_lang}-{tgt_lang} {args.corpus}", "source_language": src_lang,
                "target_language": tgt_lang, "data": args.corpus, "parameters": params,
                "selected": how, f"dev_{args.select}_score": round(chosen_bleu, 3),
                "history": state["history"], "trained_with": "scripts/train.py " + " ".join(sys.argv[1:])}
        model.eval()
        save_v1(args.export, model, src_vocab, tgt_vocab, meta=meta, tokenizer=tok_config,
                add_bos=add_bos, add_eos=add_eos, dtype=args.dtype)
        say(f"wrote {args.export} ({os.path.getsize(args.export) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
