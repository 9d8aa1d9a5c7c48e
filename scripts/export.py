#!/usr/bin/python3
"""Converts PyTorch checkpoints into rnnsearch v1 model files (spec section 1).

  export.py --from rnnsearch CHECKPOINT [CHECKPOINT...] -o MODEL.json
      a checkpoint of scripts/train.py: {"config", "model", "src_vocab", "tgt_vocab", "tokenizer", "meta",
      "add_bos", "add_eos"}; several (one architecture, the same vocabularies, e.g. epochs of one run or of a
      run and its fine-tuning) are averaged weight by weight, as OpenNMT's average_models.py does; the meta
      then names them under "averaged" (the first checkpoint's meta is the rest)
  export.py --from tutorial --encoder ENCODER.pt --decoder DECODER.pt --src-vocab V --tgt-vocab V -o MODEL.json
      the PyTorch tutorial "Translation with a Sequence to Sequence Network and Attention" (EncoderRNN,
      AttnDecoderRNN with BahdanauAttention): state_dicts of the encoder and the decoder
  export.py --from bentrevett CHECKPOINT --src-vocab V --tgt-vocab V -o MODEL.json
      bentrevett/pytorch-seq2seq notebook 3 "Neural Machine Translation by Jointly Learning to Align and
      Translate": the state_dict of its Seq2Seq model

A vocabulary V is a text file with one token per line (line n = id n), or a pickle / torch.save file holding
a list of tokens, an index2word or word2index dict, or an object with index2word / itos (the tutorial's Lang).

How the tutorials map (checked against their equations, see tests/test_export.py):
- tutorial: encoder gru -> encoder.rnn, bridge "copy" (the decoder starts from the encoder's final hidden
  state), Wa/Ua/Va -> attention.query/key/v (Va's bias only shifts every score equally: dropped), decoder gru ->
  decoder.rnn (its input is [embedded; context], as ours), out -> output with ["state"]. Source: add_eos only.
  SOS (id 0) and EOS (id 1) are renamed to the --bos/--eos strings. The tutorial has no unknown word: an unk
  token is appended to each vocabulary that lacks one, with a zero embedding and, on the target side, a zero
  output row with bias -1e4, so that it is never produced and every other probability stays what it was.
  Models trained by the tutorial saw sources padded with id 0 to MAX_LENGTH; its evaluate() does not pad, and
  neither do we, so translations equal evaluate()'s (with --max-length MAX_LENGTH --max-length-factor 1000).
  Text: the tutorial's normalizeString lowercases, strips accents and drops every character but letters and
  ".!?"-like marks; the default tokenizer written here (lowercase, fold_accents, split_punctuation) comes close,
  and tokens missing from the vocabulary become unk where the tutorial would fail.
- bentrevett: encoder.fc -> bridge ("linear_tanh" of [forward final; backward final]); attention.attn (or
  attn_fc), applied to [hidden; encoder_outputs]: its first Hd columns -> attention.query.weight, the others ->
  attention.key.weight, its bias -> attention.query.bias (key bias zero); attention.v (a [Hd] parameter, or the
  Linear v / v_fc) -> attention.v.weight; decoder.rnn input [embedded; weighted] as ours; decoder.fc_out on
  [output; weighted; embedding] -> output with ["state", "context", "embedding"]. Source: add_bos and add_eos.
  Special tokens default to torchtext's <unk> <sos> <eos> <pad>. The notebook tokenizes with spaCy and
  lowercases; the default tokenizer written here (lowercase, split_punctuation) approximates that. Its
  translate_sentence() stops after max_output_length (25) tokens: use --max-length 25 --max-length-factor 1000.
"""
import argparse
import json
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import data  # noqa: E402
from errors import fail  # noqa: E402
from model import RNNSearch, average_state_dicts, save_v1  # noqa: E402

NEVER = -1e4  # bias of an appended output row: exp(NEVER - max) is 0 in float32


class ExportError(Exception):
    pass


# ---- reading inputs ----

class _Permissive(pickle.Unpickler):
    """Unpickles objects of classes that are not importable here (the tutorial's Lang lives in __main__)."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except (AttributeError, ImportError):
            return type(name, (), {})


def _tokens_from(obj, path):
    if hasattr(obj, "get_itos"):
        obj = obj.get_itos()
    for attribute in ("index2word", "itos"):
        if hasattr(obj, attribute):
            obj = getattr(obj, attribute)
            break
    if isinstance(obj, (list, tuple)) and all(isinstance(t, str) for t in obj):
        return list(obj)
    if isinstance(obj, dict) and obj:
        if all(isinstance(k, int) for k in obj):  # index2word
            if sorted(obj) != list(range(len(obj))):
                raise ExportError(f"{path}: index2word ids are not 0..{len(obj) - 1}")
            return [obj[i] for i in range(len(obj))]
        if all(isinstance(v, int) for v in obj.values()):  # word2index
            tokens = [None] * len(obj)
            for word, i in obj.items():
                if not 0 <= i < len(obj) or tokens[i] is not None:
                    raise ExportError(f"{path}: word2index ids are not 0..{len(obj) - 1}, each once")
                tokens[i] = word
            return tokens
    raise ExportError(f"{path}: not a vocabulary (want a token list, index2word, word2index or itos)")


def read_vocab(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"PK":
        return _tokens_from(torch.load(path, map_location="cpu"), path)
    if raw[:1] == b"\x80":
        with open(path, "rb") as f:
            return _tokens_from(_Permissive(f).load(), path)
    lines = raw.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_state_dict(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    for key in ("model_state_dict", "state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise ExportError(f"{path}: not a state_dict")
    return {(k[7:] if k.startswith("module.") else k): v.detach().float() for k, v in obj.items()
            if torch.is_tensor(v)}


def parse_json_arg(text, what):
    """A JSON object given inline or as a file name."""
    if text is None:
        return None
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            text = f.read()
    try:
        value = json.loads(text)
    except ValueError as e:
        raise ExportError(f"--{what}: not JSON: {e}")
    if not isinstance(value, dict):
        raise ExportError(f"--{what}: want a JSON object")
    return value


# ---- conversions: each returns (config, tensors, src_vocab, tgt_vocab, options for save_v1) ----

def _gru_layers(sd, prefix):
    layers = 0
    while f"{prefix}weight_ih_l{layers}" in sd:
        layers += 1
    if layers == 0:
        raise ExportError(f"no GRU weights under {prefix!r}")
    return layers, f"{prefix}weight_ih_l0_reverse" in sd


def _need(sd, name, where):
    if name not in sd:
        raise ExportError(f"{where}: missing tensor {name!r}")
    return sd[name]


def _rename_gru(sd, old, new):
    return {new + k[len(old):]: v for k, v in sd.items() if k.startswith(old)}


def _with_unk(vocab, unk, side, extra):
    """Appends unk when the vocabulary lacks it (the tutorial's Langs have none); extra(n) pads tensors."""
    if unk in vocab:
        return vocab
    print(f"export.py: {side} vocabulary has no {unk!r}: appended as id {len(vocab)}", file=sys.stderr)
    extra(len(vocab))
    return vocab + [unk]


def require_rnnsearch_keys(ckpt, name="checkpoint"):
    for key in ("config", "model", "src_vocab", "tgt_vocab"):
        if key not in ckpt:
            raise ExportError(f"{name}: no {key!r}")


def from_rnnsearch(ckpt):
    require_rnnsearch_keys(ckpt)
    meta = dict(ckpt.get("meta") or {})
    # The languages (rnnsearch --list-models shows them) as train.py names them: its --src-lang/--tgt-lang,
    # else the bundled corpus's; a run on one's own files without them has none.
    train_args = meta.get("args") if isinstance(meta.get("args"), dict) else {}
    langs = data.languages(meta.get("corpus"), train_args.get("src_lang"), train_args.get("tgt_lang"))
    for key, lang in zip(("source_language", "target_language"), langs):
        if lang:
            meta.setdefault(key, lang)
    save = {"add_bos": bool(ckpt.get("add_bos", False)), "add_eos": bool(ckpt.get("add_eos", True)),
            "tokenizer": ckpt.get("tokenizer") or {}, "meta": meta}
    specials = ckpt.get("specials") or ckpt.get("special_tokens")
    if specials:
        save["specials"] = specials
    return ckpt["config"], dict(ckpt["model"]), list(ckpt["src_vocab"]), list(ckpt["tgt_vocab"]), save


def from_tutorial(enc, dec, src_vocab, tgt_vocab, specials, sos_id=0, eos_id=1):
    layers_e, bidirectional = _gru_layers(enc, "gru.")
    layers_d, _ = _gru_layers(dec, "gru.")
    if bidirectional or layers_e != layers_d:
        raise ExportError("tutorial: the bridge copy needs a unidirectional encoder as deep as the decoder")
    emb_s = _need(enc, "embedding.weight", "encoder")
    emb_t = _need(dec, "embedding.weight", "decoder")
    hidden = enc["gru.weight_hh_l0"].shape[1]
    out_w, out_b = _need(dec, "out.weight", "decoder"), _need(dec, "out.bias", "decoder")
    attn_dim = _need(dec, "attention.Wa.weight", "decoder").shape[0]
    config = {"encoder": {"embedding_dim": emb_s.shape[1], "hidden_size": hidden, "num_layers": layers_e,
                          "bidirectional": False},
              "decoder": {"embedding_dim": emb_t.shape[1], "hidden_size": dec["gru.weight_hh_l0"].shape[1],
                          "num_layers": layers_d},
              "bridge": "copy", "attention": {"score": "additive", "dim": attn_dim}, "output": ["state"]}
    for name, vocab, rows in (("source", src_vocab, emb_s.shape[0]), ("target", tgt_vocab, emb_t.shape[0])):
        if len(vocab) != rows:
            raise ExportError(f"tutorial: {name} vocabulary has {len(vocab)} tokens, the embedding {rows} rows")
    src_vocab, tgt_vocab = list(src_vocab), list(tgt_vocab)
    if not 0 <= min(sos_id, eos_id) <= max(sos_id, eos_id) < min(len(src_vocab), len(tgt_vocab)):
        raise ExportError(f"tutorial: SOS id {sos_id} or EOS id {eos_id} outside the vocabularies")
    for vocab in (src_vocab, tgt_vocab):
        vocab[sos_id], vocab[eos_id] = specials["bos"], specials["eos"]
    tensors = {"encoder.embedding.weight": emb_s, "decoder.embedding.weight": emb_t,
               "attention.query.weight": dec["attention.Wa.weight"],
               "attention.query.bias": _need(dec, "attention.Wa.bias", "decoder"),
               "attention.key.weight": _need(dec, "attention.Ua.weight", "decoder"),
               "attention.key.bias": _need(dec, "attention.Ua.bias", "decoder"),
               "attention.v.weight": _need(dec, "attention.Va.weight", "decoder"),
               "output.weight": out_w, "output.bias": out_b}
    tensors.update(_rename_gru(enc, "gru.", "encoder.rnn."))
    tensors.update(_rename_gru(dec, "gru.", "decoder.rnn."))

    def grow_source(n):
        tensors["encoder.embedding.weight"] = torch.cat([tensors["encoder.embedding.weight"],
                                                         torch.zeros(1, emb_s.shape[1])])

    def grow_target(n):
        tensors["decoder.embedding.weight"] = torch.cat([tensors["decoder.embedding.weight"],
                                                         torch.zeros(1, emb_t.shape[1])])
        tensors["output.weight"] = torch.cat([tensors["output.weight"], torch.zeros(1, out_w.shape[1])])
        tensors["output.bias"] = torch.cat([tensors["output.bias"], torch.tensor([NEVER])])

    src_vocab = _with_unk(src_vocab, specials["unk"], "source", grow_source)
    tgt_vocab = _with_unk(tgt_vocab, specials["unk"], "target", grow_target)
    save = {"add_bos": False, "add_eos": True,
            "tokenizer": {"lowercase": True, "fold_accents": True, "split_punctuation": True}}
    return config, tensors, src_vocab, tgt_vocab, save


def from_bentrevett(sd, src_vocab, tgt_vocab):
    layers_e, bidirectional = _gru_layers(sd, "encoder.rnn.")
    layers_d, _ = _gru_layers(sd, "decoder.rnn.")
    emb_s = _need(sd, "encoder.embedding.weight", "bentrevett")
    emb_t = _need(sd, "decoder.embedding.weight", "bentrevett")
    he = sd["encoder.rnn.weight_hh_l0"].shape[1]
    hd = sd["decoder.rnn.weight_hh_l0"].shape[1]
    k = he * (2 if bidirectional else 1)
    attn = "decoder.attention.attn_fc" if "decoder.attention.attn_fc.weight" in sd else "decoder.attention.attn"
    attn_w = _need(sd, attn + ".weight", "bentrevett")
    if attn_w.shape[1] != hd + k:
        raise ExportError(f"bentrevett: {attn}.weight has {attn_w.shape[1]} columns, expected Hd + K = {hd + k}")
    for name in ("decoder.attention.v", "decoder.attention.v.weight", "decoder.attention.v_fc.weight"):
        if name in sd:
            v = sd[name].reshape(1, -1)
            break
    else:
        raise ExportError("bentrevett: no decoder.attention.v")
    config = {"encoder": {"embedding_dim": emb_s.shape[1], "hidden_size": he, "num_layers": layers_e,
                          "bidirectional": bidirectional},
              "decoder": {"embedding_dim": emb_t.shape[1], "hidden_size": hd, "num_layers": layers_d},
              "bridge": "linear_tanh", "attention": {"score": "additive", "dim": attn_w.shape[0]},
              "output": ["state", "context", "embedding"]}
    for name, vocab, rows in (("source", src_vocab, emb_s.shape[0]), ("target", tgt_vocab, emb_t.shape[0])):
        if len(vocab) != rows:
            raise ExportError(f"bentrevett: {name} vocabulary has {len(vocab)} tokens, the embedding {rows} rows")
    tensors = {"encoder.embedding.weight": emb_s, "decoder.embedding.weight": emb_t,
               "bridge.weight": _need(sd, "encoder.fc.weight", "bentrevett"),
               "bridge.bias": _need(sd, "encoder.fc.bias", "bentrevett"),
               "attention.query.weight": attn_w[:, :hd], "attention.key.weight": attn_w[:, hd:],
               "attention.query.bias": _need(sd, attn + ".bias", "bentrevett"),
               "attention.key.bias": torch.zeros(attn_w.shape[0]), "attention.v.weight": v,
               "output.weight": _need(sd, "decoder.fc_out.weight", "bentrevett"),
               "output.bias": _need(sd, "decoder.fc_out.bias", "bentrevett")}
    tensors.update(_rename_gru(sd, "encoder.rnn.", "encoder.rnn."))
    tensors.update(_rename_gru(sd, "decoder.rnn.", "decoder.rnn."))
    save = {"add_bos": True, "add_eos": True, "tokenizer": {"lowercase": True, "split_punctuation": True}}
    return config, tensors, list(src_vocab), list(tgt_vocab), save


def write(path, config, tensors, src_vocab, tgt_vocab, save, dtype="f32", specials=None):
    model = RNNSearch(config, len(src_vocab), len(tgt_vocab))
    try:
        model.load_state_dict({k: v.float().contiguous() for k, v in tensors.items()}, strict=True)
    except RuntimeError as e:
        raise ExportError(f"tensors do not fit the config: {e}")
    specials = save.get("specials") or specials
    for key in ("unk", "bos", "eos"):
        for side, vocab in (("source", src_vocab), ("target", tgt_vocab)):
            if specials[key] not in vocab:
                raise ExportError(f"{side} vocabulary has no {key} token {specials[key]!r} (see --{key})")
    specials = {k: v for k, v in specials.items() if k != "pad" or (v in src_vocab and v in tgt_vocab)}
    save_v1(path, model.eval(), src_vocab, tgt_vocab, meta=save.get("meta"), tokenizer=save.get("tokenizer"),
            add_bos=save["add_bos"], add_eos=save["add_eos"], dtype=dtype, specials=specials)


def average_rnnsearch(paths):
    """The first checkpoint with its weights replaced by the mean of every checkpoint's."""
    first = torch.load(paths[0], map_location="cpu")
    require_rnnsearch_keys(first, paths[0])
    states = [first["model"]]
    for path in paths[1:]:
        other = torch.load(path, map_location="cpu")
        require_rnnsearch_keys(other, path)
        for key in ("config", "src_vocab", "tgt_vocab"):
            if other[key] != first[key]:
                raise ExportError(f"{path}: its {key} differs from {paths[0]}'s: only checkpoints of one "
                                  "architecture and vocabularies can be averaged")
        if set(other["model"]) != set(first["model"]):
            raise ExportError(f"{path}: its tensors differ from {paths[0]}'s")
        states.append(other["model"])
    first["model"] = average_state_dicts(states)
    first["meta"] = dict(first.get("meta") or {}, averaged=list(paths))
    return first


def main(argv=None):
    p = argparse.ArgumentParser(prog="export.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="kind", required=True, choices=("rnnsearch", "tutorial", "bentrevett"),
                   help="the checkpoint's kind: scripts/train.py, the PyTorch tutorial, or bentrevett's notebook 3")
    p.add_argument("checkpoint", nargs="*",
                   help="rnnsearch / bentrevett checkpoint (rnnsearch: several are averaged)")
    p.add_argument("--encoder", help="tutorial: the EncoderRNN state_dict")
    p.add_argument("--decoder", help="tutorial: the AttnDecoderRNN state_dict")
    p.add_argument("--src-vocab", help="tutorial / bentrevett: source vocabulary file, one token per line")
    p.add_argument("--tgt-vocab", help="tutorial / bentrevett: target vocabulary file, one token per line")
    p.add_argument("-o", "--output", required=True, help="the v1 model file to write")
    p.add_argument("--dtype", choices=("f32", "f16", "list"), default="f32",
                   help="tensor storage: base64 float32 / float16, or number lists (default f32)")
    p.add_argument("--meta", help="JSON object (or file) merged into meta")
    p.add_argument("--tokenizer", help="JSON object (or file): the tokenizer options (replaces the default)")
    p.add_argument("--unk", help="unk token string (default <unk>)")
    p.add_argument("--bos", help="bos token string (default <s>; bentrevett: <sos>)")
    p.add_argument("--eos", help="eos token string (default </s>; bentrevett: <eos>)")
    p.add_argument("--pad", help="pad token string (default <pad>)")
    p.add_argument("--sos-id", type=int, default=0, help="tutorial: id of SOS (default 0)")
    p.add_argument("--eos-id", type=int, default=1, help="tutorial: id of EOS (default 1)")
    args = p.parse_args(argv)
    defaults = ({"unk": "<unk>", "bos": "<sos>", "eos": "<eos>", "pad": "<pad>"} if args.kind == "bentrevett"
                else {"unk": "<unk>", "bos": "<s>", "eos": "</s>", "pad": "<pad>"})
    specials = {k: getattr(args, k) or v for k, v in defaults.items()}
    try:
        meta = parse_json_arg(args.meta, "meta")
        tokenizer = parse_json_arg(args.tokenizer, "tokenizer")
        if args.kind == "rnnsearch":
            if not args.checkpoint:
                p.error("--from rnnsearch needs CHECKPOINT")
            if len(args.checkpoint) > 1:
                ckpt = average_rnnsearch(args.checkpoint)
            else:
                ckpt = torch.load(args.checkpoint[0], map_location="cpu")
            parts = from_rnnsearch(ckpt)
        else:
            if not (args.src_vocab and args.tgt_vocab):
                p.error(f"--from {args.kind} needs --src-vocab and --tgt-vocab")
            src_vocab, tgt_vocab = read_vocab(args.src_vocab), read_vocab(args.tgt_vocab)
            if args.kind == "tutorial":
                if not (args.encoder and args.decoder):
                    p.error("--from tutorial needs --encoder and --decoder")
                parts = from_tutorial(read_state_dict(args.encoder), read_state_dict(args.decoder), src_vocab,
                                      tgt_vocab, specials, args.sos_id, args.eos_id)
            else:
                if len(args.checkpoint) != 1:
                    p.error("--from bentrevett needs one CHECKPOINT")
                parts = from_bentrevett(read_state_dict(args.checkpoint[0]), src_vocab, tgt_vocab)
        config, tensors, src_vocab, tgt_vocab, save = parts
        save["meta"] = dict(save.get("meta") or {})
        if args.kind != "rnnsearch":
            save["meta"].setdefault("converted_from", args.kind)
        save["meta"].update(meta or {})
        if tokenizer is not None:
            save["tokenizer"] = tokenizer
        write(args.output, config, tensors, src_vocab, tgt_vocab, save, args.dtype, specials)
    except (ExportError, OSError, KeyError, ValueError, pickle.UnpicklingError) as e:
        fail(f"export.py: {e}")
    print(f"export.py: wrote {args.output} ({os.path.getsize(args.output) / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
