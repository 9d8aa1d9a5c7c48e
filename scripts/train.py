"""Train an RNNsearch model (spec section 1 architecture) and write it as a v1 model file.

Subword (SentencePiece BPE, cased) models on a bundled corpus or on your own parallel text:
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/train.py --corpus deu-eng \
      --spm-src models/spm/deu-eng.de.model --spm-tgt models/spm/deu-eng.en.model \
      --out-dir train-runs/deu-eng --export models/deu-eng.json
  /usr/bin/python3 scripts/train.py --train-src train.de --train-tgt train.en --dev-src dev.de --dev-tgt dev.en \
      --out-dir runs/mine --export mine.json --max-minutes 120
(without --spm-src/--spm-tgt, SentencePiece models of --vocab-size pieces are trained on the training text
first and kept in --out-dir). --word-level trains the older word-level kind with the corpus's tokenizer preset.

Checkpoints go to --out-dir every --checkpoint-minutes and after every epoch; --resume continues from the last
one, also in the middle of an epoch, so a run longer than one sitting is several runs with --resume. The dev
BLEU logged and used for selection is scripts/bleu.py's (sacreBLEU defaults, cased) on detokenized greedy
output. One PyTorch thread (--threads 1) with OPENBLAS_NUM_THREADS=1 per job is fastest per core here; train.py
sets OPENBLAS_NUM_THREADS=1 itself unless the environment sets it.
"""
import argparse
import collections
import math
import os
import random
import sys
import time

# OpenBLAS (under Debian's PyTorch) otherwise starts a thread per core on top of --threads: measured here, a
# second job on the same 2 cores then fell from 60 to 39 batches/min. An explicit setting still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bleu  # noqa: E402
import data  # noqa: E402
from errors import fail  # noqa: E402
import spm_train  # noqa: E402
import subword  # noqa: E402
import tokenizer as tok  # noqa: E402
from model import RNNSearch, V1Model, average_state_dicts, save_v1  # noqa: E402

SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
UNK, BOS, EOS, PAD = range(4)
WORD_TOKENIZERS = {
    "multi30k": {"lowercase": True, "split_punctuation": True, "target": {"capitalize": True}},
    "tatoeba": {"lowercase": True, "split_punctuation": True, "source": {"split_elision": True},
                "target": {"capitalize": True}},
    "persian": {"lowercase": True, "split_punctuation": True},
}


class Side:
    """How one side's text becomes ids and ids become text: SentencePiece pieces, or word-level tokens."""

    def __init__(self, segmenter=None, word_options=None):
        self.segmenter, self.word_options = segmenter, word_options
        self.vocab = segmenter.pieces if segmenter else None
        self.index = None

    def split(self, line):
        return self.segmenter.encode(line) if self.segmenter else tok.tokenize(line, self.word_options)

    def build_vocab(self, sentences, min_freq):
        if self.vocab is None:
            counts = collections.Counter(t for s in sentences for t in s)
            words = sorted((w for w, c in counts.items() if c >= min_freq and w not in SPECIALS),
                           key=lambda w: (-counts[w], w))
            self.vocab = SPECIALS + words
        self.index = {}
        for i, w in enumerate(self.vocab):
            self.index.setdefault(w, i)

    def ids(self, tokens):
        return [self.index.get(t, UNK) for t in tokens]

    def text(self, ids):
        tokens = [self.vocab[i] for i in ids]
        return self.segmenter.decode(tokens) if self.segmenter else tok.detokenize(tokens, self.word_options)


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
    return [row[:row.index(EOS)] if EOS in row else row for row in rows]


def evaluate(model, pairs, refs, tgt_side, batch_size, criterion):
    """Dev loss (per token, no smoothing) and cased BLEU of detokenized greedy output against the raw refs."""
    model.eval()
    loss_sum, tokens = 0.0, 0
    hyps = [None] * len(pairs)
    with torch.no_grad():
        for idx in batches(pairs, batch_size, False, None):
            src, lens, tgt_in, tgt_out = collate(pairs, idx)
            logits = teacher_forced_logits(model, src, lens, tgt_in)
            n = (tgt_out != PAD).sum().item()
            loss_sum += criterion(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1)).item() * n
            tokens += n
            out = greedy(model, src, lens, max(len(pairs[i][0]) for i in idx) * 2 + 10)
            for i, ids in zip(idx, out):
                hyps[i] = tgt_side.text(ids)
    model.train()
    return loss_sum / tokens, bleu.corpus_bleu(hyps, refs).score


def average_states(paths):
    return average_state_dicts([torch.load(p, map_location="cpu")["model"] for p in paths])


def load_start(path):
    """--init-from: {config, model, src_vocab, tgt_vocab, meta} from an epoch checkpoint or a v1 model file."""
    if path.endswith(".json"):
        try:
            v1 = V1Model(path)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
            fail(f"train.py: --init-from {path}: not a loadable v1 model file ({type(e).__name__}: {e})")
        return {"config": v1.config, "model": v1.model.state_dict(), "src_vocab": v1.src_vocab,
                "tgt_vocab": v1.tgt_vocab, "meta": v1.doc.get("meta") or {}}
    start = torch.load(path, map_location="cpu")
    if not isinstance(start, dict) or not {"config", "model", "src_vocab", "tgt_vocab"} <= set(start):
        fail(f"train.py: --init-from {path}: not an epoch checkpoint of train.py (OUT_DIR/epochN.pt, which "
             "holds config, model and vocabularies; last.pt does not) nor a v1 model file (.json)")
    start.setdefault("meta", {})
    return start


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("data")
    g.add_argument("--corpus", choices=data.CORPORA, help="a bundled corpus (scripts/data.py); or give --train-*")
    g.add_argument("--train-src", help="your training source text, one sentence per line")
    g.add_argument("--train-tgt", help="its translations, line by line")
    g.add_argument("--dev-src", help="dev source text (model selection, LR decay, early stopping)")
    g.add_argument("--dev-tgt", help="dev reference translations")
    g.add_argument("--src-lang", default="", help="source language code for the model's meta (default: corpus's)")
    g.add_argument("--tgt-lang", default="", help="target language code for the model's meta (default: corpus's)")
    g.add_argument("--dev-max-lines", type=int, default=2000,
                   help="score at most this many dev lines (an evenly spaced subset; default 2000)")
    g.add_argument("--max-tokens", type=int, default=80, help="drop training pairs with more tokens (default 80)")
    g = p.add_argument_group("segmentation")
    g.add_argument("--spm-src", help="SentencePiece .model for the source side (default: train one)")
    g.add_argument("--spm-tgt", help="SentencePiece .model for the target side (default: train one)")
    g.add_argument("--vocab-size", type=int, default=8000, help="pieces per side when training them (default 8000)")
    g.add_argument("--word-level", action="store_true",
                   help="word-level tokens with the corpus's tokenizer preset instead of SentencePiece")
    g.add_argument("--min-freq", type=int, default=2, help="--word-level: keep words seen this often (default 2)")
    g = p.add_argument_group("model")
    g.add_argument("--emb", type=int, default=256, help="embedding size, both sides (default 256)")
    g.add_argument("--enc-hidden", type=int, default=192, help="encoder GRU size per direction (default 192)")
    g.add_argument("--enc-layers", type=int, default=1, help="encoder layers (default 1)")
    g.add_argument("--unidirectional", action="store_true", help="forward-only encoder")
    g.add_argument("--dec-hidden", type=int, default=384, help="decoder GRU size (default 384)")
    g.add_argument("--dec-layers", type=int, default=1, help="decoder layers (default 1)")
    g.add_argument("--attn-dim", type=int, default=256, help="additive attention size (default 256)")
    g.add_argument("--score", default="additive", choices=["additive", "dot", "scaled_dot", "general"],
                   help="attention score (default additive)")
    g.add_argument("--bridge", default="linear_tanh", choices=["linear_tanh", "copy", "zeros"],
                   help="decoder initial state (default linear_tanh)")
    g.add_argument("--output", default="state", help="comma-separated output-layer parts (default state)")
    g = p.add_argument_group("training")
    g.add_argument("--out-dir", required=True, help="checkpoints, log and trained SentencePiece models")
    g.add_argument("--export", help="write the final v1 model file here")
    g.add_argument("--dtype", default="f16", choices=["f16", "f32", "list"], help="exported tensors (default f16)")
    g.add_argument("--resume", action="store_true", help="continue from --out-dir/last.pt")
    g.add_argument("--init-from", metavar="CHECKPOINT",
                   help="fine-tune or continue: start from the weights of a train.py epoch checkpoint (OUT_DIR/"
                        "epochN.pt of an earlier run) or of a v1 model file (.json, e.g. a bundled model; f16 files "
                        "start from their rounded weights); its architecture replaces the model options, its "
                        "vocabularies must be this run's. A fresh optimizer, LR schedule and epoch count, as "
                        "OpenNMT's -train_from with -reset_optim all; for example on in-domain data with a smaller "
                        "--lr. With --resume, a run that has a last.pt continues from it")
    g.add_argument("--dropout", type=float, default=0.3, help="default 0.3")
    g.add_argument("--label-smoothing", type=float, default=0.1, help="default 0.1")
    g.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    g.add_argument("--lr-decay", type=float, default=0.5, help="LR factor when dev does not improve (default 0.5)")
    g.add_argument("--select", choices=["bleu", "loss"], default="bleu",
                   help="dev score for LR decay, early stopping and the final choice (default bleu; loss: tiny data)")
    g.add_argument("--weight-decay", type=float, default=0.0, help="default 0")
    g.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (default 1.0)")
    g.add_argument("--batch-size", type=int, default=128, help="sentence pairs per batch (default 128)")
    g.add_argument("--epochs", type=int, default=15, help="at most this many epochs (default 15)")
    g.add_argument("--patience", type=int, default=3, help="stop after this many epochs without dev improvement")
    g.add_argument("--average", type=int, default=3, help="try averaging the best epoch with the ones before it")
    g.add_argument("--max-minutes", type=float, default=0,
                   help="stop (checkpointed, resumable) after this many minutes of this run; 0: no limit")
    g.add_argument("--checkpoint-minutes", type=float, default=10, help="mid-epoch checkpoint interval (default 10)")
    g.add_argument("--finish", action="store_true",
                   help="skip further training: choose and export from the epochs done so far")
    g.add_argument("--seed", type=int, default=1, help="default 1")
    g.add_argument("--threads", type=int, default=1, help="PyTorch threads (default 1)")
    g.add_argument("--log-every", type=int, default=50, help="batches between progress lines (default 50)")
    args = p.parse_args()
    own = [args.train_src, args.train_tgt, args.dev_src, args.dev_tgt]
    if bool(args.corpus) == any(own):
        p.error("give --corpus or all of --train-src/--train-tgt/--dev-src/--dev-tgt")
    if not args.corpus and not all(own):
        p.error("own data needs all of --train-src, --train-tgt, --dev-src and --dev-tgt")
    if args.word_level and args.corpus not in WORD_TOKENIZERS:
        p.error(f"--word-level needs --corpus {'/'.join(sorted(WORD_TOKENIZERS))}")
    return args


def load_text(args):
    """(train pairs, dev pairs) of raw sentences."""
    if args.corpus:
        return data.pairs(args.corpus, "train"), data.pairs(args.corpus, "dev")
    read = data.read_lines

    def zipped(src, tgt):
        s, t = read(src), read(tgt)
        if len(s) != len(t):
            fail(f"train.py: {src} has {len(s)} lines but {tgt} has {len(t)}")
        return list(zip(s, t))
    return zipped(args.train_src, args.train_tgt), zipped(args.dev_src, args.dev_tgt)


def make_sides(args, train_text, say):
    if args.word_level:
        preset = WORD_TOKENIZERS[args.corpus]
        return (Side(word_options=tok.side_options(preset, "source")),
                Side(word_options=tok.side_options(preset, "target")), preset)
    paths = []
    for side, given in (("src", args.spm_src), ("tgt", args.spm_tgt)):
        if not given:
            prefix = os.path.join(args.out_dir, f"spm.{side}")
            given = prefix + ".model"
            if not os.path.exists(given):
                say(f"training SentencePiece ({args.vocab_size} pieces) on the {side} side")
                spm_train.train([pair[0 if side == "src" else 1] for pair in train_text], prefix, args.vocab_size)
        paths.append(given)
    config = subword.tokenizer_config(*paths)
    return (Side(subword.side_segmenter(config, "source")), Side(subword.side_segmenter(config, "target")), config)


def save_atomic(obj, path):
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    log = open(os.path.join(args.out_dir, "train.log"), "a")
    run_started = time.time()

    def say(msg):
        print(msg, file=sys.stderr, flush=True)
        log.write(time.strftime("%H:%M:%S ") + msg + "\n")
        log.flush()

    train_text, dev_text = load_text(args)
    src_side, tgt_side, tok_config = make_sides(args, train_text, say)
    add_bos, add_eos = False, True
    train_src = [src_side.split(s) for s, _ in train_text]
    train_tgt = [tgt_side.split(t) for _, t in train_text]
    keep = [i for i in range(len(train_src))
            if 0 < len(train_src[i]) <= args.max_tokens and 0 < len(train_tgt[i]) <= args.max_tokens]
    src_side.build_vocab([train_src[i] for i in keep], args.min_freq)
    tgt_side.build_vocab([train_tgt[i] for i in keep], args.min_freq)
    train = [(src_side.ids(train_src[i]) + [EOS], tgt_side.ids(train_tgt[i])) for i in keep]
    stride = max(1, math.ceil(len(dev_text) / args.dev_max_lines)) if args.dev_max_lines > 0 else 1
    dev_text = dev_text[::stride]
    dev = [(src_side.ids(src_side.split(s)) + [EOS], tgt_side.ids(tgt_side.split(t))) for s, t in dev_text]
    dev_refs = [t for _, t in dev_text]
    say(f"{args.corpus or args.train_src}: {len(train)} training pairs (of {len(train_text)}), {len(dev)} dev; "
        f"vocab {len(src_side.vocab)} / {len(tgt_side.vocab)}")

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
    start = None
    if args.init_from:
        start = load_start(args.init_from)
        for side, name in ((src_side, "src_vocab"), (tgt_side, "tgt_vocab")):
            if list(start[name]) != list(side.vocab):
                fail(f"train.py: --init-from {args.init_from}: its {name[:3]} vocabulary ({len(start[name])} "
                     f"entries) is not this run's ({len(side.vocab)}): give the same --spm-src/--spm-tgt")
        config = start["config"]
    model = RNNSearch(config, len(src_side.vocab), len(tgt_side.vocab), dropout=args.dropout)
    if start is not None and not (args.resume and os.path.exists(os.path.join(args.out_dir, "last.pt"))):
        model.load_state_dict(start["model"])
        say(f"initialized from {args.init_from} (fine-tuning: fresh optimizer and schedule)")
    params = sum(t.numel() for t in model.parameters())
    say(f"parameters: {params} ({params / 1e6:.2f}M)")
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=args.label_smoothing)
    plain_ce = nn.CrossEntropyLoss(ignore_index=PAD)

    state = {"epoch": 0, "step": 0, "epoch_rng": None, "loss_sum": 0.0, "tokens": 0, "epoch_minutes": 0.0,
             "best_bleu": -math.inf, "best_epoch": 0, "bad_epochs": 0, "history": [], "train_minutes": 0.0}
    last_path = os.path.join(args.out_dir, "last.pt")
    if args.resume and os.path.exists(last_path):
        ckpt = torch.load(last_path, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        say(f"resumed at epoch {state['epoch'] + 1} batch {state['step']} "
            f"(best dev {args.select} {state['best_bleu']:.2f} at epoch {state['best_epoch']})")

    def checkpoint(path, weights):
        save_atomic({"config": config, "model": weights, "src_vocab": src_side.vocab, "tgt_vocab": tgt_side.vocab,
                     "tokenizer": tok_config, "add_bos": add_bos, "add_eos": add_eos,
                     "meta": {"corpus": args.corpus, "args": vars(args)}}, path)

    def save_last():
        save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                     "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, last_path)

    out_of_time = False
    model.train()
    while not args.finish and state["epoch"] < args.epochs and state["bad_epochs"] < args.patience:
        epoch = state["epoch"] + 1
        if state["step"] == 0:
            state["epoch_rng"] = rng.getstate()
        else:
            rng.setstate(state["epoch_rng"])
        plan = batches(train, args.batch_size, True, rng)
        started = time.time() - state["epoch_minutes"] * 60
        last_save = time.time()
        for step in range(state["step"] + 1, len(plan) + 1):
            src, lens, tgt_in, tgt_out = collate(train, plan[step - 1])
            logits = teacher_forced_logits(model, src, lens, tgt_in)
            loss = criterion(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            n = (tgt_out != PAD).sum().item()
            state["loss_sum"] += loss.item() * n
            state["tokens"] += n
            state["step"] = step
            state["epoch_minutes"] = (time.time() - started) / 60
            if step % args.log_every == 0 or step == len(plan):
                rate = step / max(state["epoch_minutes"], 1e-9)
                say(f"epoch {epoch} {step}/{len(plan)} loss {state['loss_sum'] / state['tokens']:.3f} "
                    f"{rate:.1f} batches/min eta {(len(plan) - step) / rate:.1f} min")
            out_of_time = args.max_minutes and time.time() - run_started > args.max_minutes * 60
            if out_of_time or time.time() - last_save > args.checkpoint_minutes * 60:
                save_last()
                last_save = time.time()
            if out_of_time:
                break
        if out_of_time:
            say(f"stopped after --max-minutes {args.max_minutes:g} at epoch {epoch} batch {state['step']}; "
                "--resume continues")
            return
        train_loss = state["loss_sum"] / state["tokens"]
        dev_loss, dev_bleu = evaluate(model, dev, dev_refs, tgt_side, 256, plain_ce)
        minutes = (time.time() - started) / 60
        lr = optimizer.param_groups[0]["lr"]
        say(f"epoch {epoch} done in {minutes:.1f} min: train loss {train_loss:.3f}, dev loss {dev_loss:.3f}, "
            f"dev BLEU {dev_bleu:.2f} (greedy, detokenized, cased), lr {lr:g}")
        state["history"].append({"epoch": epoch, "train_loss": round(train_loss, 4), "dev_loss": round(dev_loss, 4),
                                 "dev_bleu": round(dev_bleu, 2), "lr": lr, "minutes": round(minutes, 1)})
        state["train_minutes"] += minutes
        checkpoint(os.path.join(args.out_dir, f"epoch{epoch}.pt"), model.state_dict())
        dev_score = dev_bleu if args.select == "bleu" else -dev_loss
        if dev_score > state["best_bleu"]:
            state.update(best_bleu=dev_score, best_epoch=epoch, bad_epochs=0)
        else:
            state["bad_epochs"] += 1
            for group in optimizer.param_groups:
                group["lr"] *= args.lr_decay
        state.update(epoch=epoch, step=0, loss_sum=0.0, tokens=0, epoch_minutes=0.0)
        save_last()

    finish(args, model, state, config, src_side, tgt_side, tok_config, dev, dev_refs, plain_ce, params, checkpoint,
           say, start["meta"] if start is not None else None)


def finish(args, model, state, config, src_side, tgt_side, tok_config, dev, dev_refs, plain_ce, params, checkpoint,
           say, init_meta):
    best = state["best_epoch"]
    if best == 0:
        fail("train.py: no finished epoch to export yet")
    say(f"best epoch {best}: dev {args.select} score {state['best_bleu']:.3f}")
    chosen = torch.load(os.path.join(args.out_dir, f"epoch{best}.pt"), map_location="cpu")["model"]
    chosen_bleu, how = state["best_bleu"], f"epoch {best}"
    window = [e for e in range(best - args.average + 1, best + 1)
              if e >= 1 and os.path.exists(os.path.join(args.out_dir, f"epoch{e}.pt"))]
    if len(window) > 1:
        averaged = average_states([os.path.join(args.out_dir, f"epoch{e}.pt") for e in window])
        model.load_state_dict(averaged)
        avg_loss, avg_bleu = evaluate(model, dev, dev_refs, tgt_side, 256, plain_ce)
        avg_bleu = avg_bleu if args.select == "bleu" else -avg_loss
        say(f"average of epochs {window}: dev {args.select} score {avg_bleu:.3f}")
        if avg_bleu > chosen_bleu:
            chosen, chosen_bleu, how = averaged, avg_bleu, f"average of epochs {window}"
    model.load_state_dict(chosen)
    checkpoint(os.path.join(args.out_dir, "final.pt"), chosen)
    say(f"final model: {how}, dev {args.select} score {chosen_bleu:.3f}")
    if args.export:
        src_lang, tgt_lang = data.languages(args.corpus, args.src_lang, args.tgt_lang)
        meta = {"name": f"{src_lang}-{tgt_lang} {args.corpus or 'own data'}", "source_language": src_lang,
                "target_language": tgt_lang, "data": args.corpus or args.train_src, "parameters": params,
                "segmentation": "word-level" if args.word_level else "sentencepiece-bpe",
                "selected": how, f"dev_{args.select}_score": round(chosen_bleu, 3),
                "training_minutes": round(state["train_minutes"], 1),
                "history": state["history"], "trained_with": "scripts/train.py " + " ".join(sys.argv[1:])}
        if args.init_from:  # a fine-tuned model: say what it started from (its minutes and history are not here)
            base = init_meta
            meta["initialized_from"] = {"checkpoint": args.init_from, "data": base.get("corpus") or base.get("data")
                                        or (base.get("args") or {}).get("train_src")}
            if args.init_from.endswith(".json"):  # a model file's meta has its own history: keep the lineage
                meta["initialized_from"]["meta"] = base
        model.eval()
        save_v1(args.export, model, src_side.vocab, tgt_side.vocab, meta=meta, tokenizer=tok_config,
                add_bos=False, add_eos=True, dtype=args.dtype)
        say(f"wrote {args.export} ({os.path.getsize(args.export) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
