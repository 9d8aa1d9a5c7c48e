"""RNNsearch in PyTorch, exactly the computation of spec section 1, with v1 model file reading and writing.

Parameter names are the v1 tensor names, so state_dict() is what a model file holds."""
import base64
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SCORES = ("additive", "dot", "scaled_dot", "general")
BRIDGES = ("linear_tanh", "copy", "zeros")
PARTS = ("state", "context", "embedding")


def check_config(config):
    enc, dec = config["encoder"], config["decoder"]
    k = enc["hidden_size"] * (2 if enc["bidirectional"] else 1)
    score = config["attention"]["score"]
    if score not in SCORES:
        raise ValueError(f"config.attention.score: {score!r}")
    if config["bridge"] not in BRIDGES:
        raise ValueError(f"config.bridge: {config['bridge']!r}")
    if config["bridge"] == "copy" and (enc["bidirectional"] or enc["num_layers"] != dec["num_layers"]
                                       or enc["hidden_size"] != dec["hidden_size"]):
        raise ValueError("config.bridge: copy needs a unidirectional encoder of the decoder's size and depth")
    if score == "dot" and dec["hidden_size"] != k:
        raise ValueError("config.attention.score: dot needs decoder hidden_size = encoder output size")
    parts = config["output"]
    if not parts or len(set(parts)) != len(parts) or any(p not in PARTS for p in parts):
        raise ValueError(f"config.output: {parts!r}")
    return k


class Encoder(nn.Module):
    def __init__(self, vocab_size, config):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, config["embedding_dim"])
        self.rnn = nn.GRU(config["embedding_dim"], config["hidden_size"], config["num_layers"],
                          bidirectional=config["bidirectional"], batch_first=True)


class Decoder(nn.Module):
    def __init__(self, vocab_size, config, k):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, config["embedding_dim"])
        self.rnn = nn.GRU(config["embedding_dim"] + k, config["hidden_size"], config["num_layers"],
                          batch_first=True)


class Attention(nn.Module):
    def __init__(self, config, hd, k):
        super().__init__()
        self.score = config["score"]
        if self.score == "additive":
            a = config["dim"]
            self.query = nn.Linear(hd, a)
            self.key = nn.Linear(k, a)
            self.v = nn.Linear(a, 1, bias=False)
        elif self.score == "general":
            self.weight = nn.Parameter(torch.empty(hd, k))
            nn.init.xavier_uniform_(self.weight)
        self.k = k

    def keys(self, enc_out):
        """What the scores need of the encoder outputs, computed once per sentence."""
        if self.score == "additive":
            return self.key(enc_out)
        if self.score == "general":
            return enc_out @ self.weight.t()
        if self.score == "scaled_dot":
            return enc_out / math.sqrt(self.k)
        return enc_out

    def forward(self, query, keys, enc_out, mask):
        """query [B, Hd], keys [B, S, *], enc_out [B, S, K], mask [B, S] true at real positions."""
        if self.score == "additive":
            energy = self.v(torch.tanh(self.query(query).unsqueeze(1) + keys)).squeeze(2)
        else:
            energy = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)
        energy = energy.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(energy, dim=1)
        context = torch.bmm(weights.unsqueeze(1), enc_out).squeeze(1)
        return weights, context


class RNNSearch(nn.Module):
    def __init__(self, config, src_vocab_size, tgt_vocab_size, dropout=0.0):
        super().__init__()
        self.config = config
        k = check_config(config)
        enc, dec = config["encoder"], config["decoder"]
        self.k = k
        self.encoder = Encoder(src_vocab_size, enc)
        if config["bridge"] == "linear_tanh":
            self.bridge = nn.Linear(k, dec["num_layers"] * dec["hidden_size"])
        self.attention = Attention(config["attention"], dec["hidden_size"], k)
        self.decoder = Decoder(tgt_vocab_size, dec, k)
        sizes = {"state": dec["hidden_size"], "context": k, "embedding": dec["embedding_dim"]}
        self.output = nn.Linear(sum(sizes[p] for p in config["output"]), tgt_vocab_size)
        self.dropout = nn.Dropout(dropout)

    def encode(self, src, src_lens):
        """src [B, S] ids (padded), src_lens [B] -> enc_out [B, S, K], mask [B, S], s0 [Ld, B, Hd], keys."""
        enc, dec = self.config["encoder"], self.config["decoder"]
        emb = self.dropout(self.encoder.embedding(src))
        packed = nn.utils.rnn.pack_padded_sequence(emb, src_lens.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder.rnn(packed)
        enc_out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        mask = torch.arange(src.size(1), device=src.device).unsqueeze(0) < src_lens.to(src.device).unsqueeze(1)
        batch = src.size(0)
        bridge = self.config["bridge"]
        if bridge == "linear_tanh":
            dirs = 2 if enc["bidirectional"] else 1
            top = h_n.view(enc["num_layers"], dirs, batch, enc["hidden_size"])[-1]
            final = torch.cat([top[0], top[1]], dim=1) if dirs == 2 else top[0]
            s0 = torch.tanh(self.bridge(final)).view(batch, dec["num_layers"], dec["hidden_size"])
            s0 = s0.transpose(0, 1).contiguous()
        elif bridge == "copy":
            s0 = h_n
        else:
            s0 = enc_out.new_zeros(dec["num_layers"], batch, dec["hidden_size"])
        return enc_out, mask, s0, self.attention.keys(enc_out)

    def step(self, y_prev, state, enc_out, keys, mask):
        """One decoder step: y_prev [B] -> log-probabilities [B, Vt], new state, attention weights [B, S]."""
        weights, context = self.attention(state[-1], keys, enc_out, mask)
        emb = self.dropout(self.decoder.embedding(y_prev))
        out, state = self.decoder.rnn(torch.cat([emb, context], dim=1).unsqueeze(1), state)
        parts = {"state": out.squeeze(1), "context": context, "embedding": emb}
        features = torch.cat([parts[p] for p in self.config["output"]], dim=1)
        logits = self.output(self.dropout(features))
        return logits, state, weights

    def forward(self, src, src_lens, tgt_in):
        """Teacher forcing: tgt_in [B, T] starts with bos; returns logits [B, T, Vt]."""
        enc_out, mask, state, keys = self.encode(src, src_lens)
        logits = []
        for t in range(tgt_in.size(1)):
            step_logits, state, _ = self.step(tgt_in[:, t], state, enc_out, keys, mask)
            logits.append(step_logits)
        return torch.stack(logits, dim=1)


# ---- v1 model files ----

def average_state_dicts(states):
    """Checkpoint averaging: the mean of state dicts with the same tensors, weight by weight."""
    return {k: sum(state[k].float() for state in states) / len(states) for k in states[0]}


def encode_tensor(tensor, dtype):
    array = tensor.detach().cpu().float().numpy()
    if dtype == "list":
        return {"shape": list(array.shape), "data": array.reshape(-1).tolist()}
    raw = array.astype("<f2" if dtype == "f16" else "<f4").tobytes()
    return {"shape": list(array.shape), "dtype": dtype, "base64": base64.b64encode(raw).decode("ascii")}


def decode_tensor(name, obj):
    shape = obj["shape"]
    if "base64" in obj:
        dtype = {"f32": "<f4", "f16": "<f2"}[obj.get("dtype", "f32")]
        array = np.frombuffer(base64.b64decode(obj["base64"]), dtype=dtype).astype(np.float32)
    else:
        array = np.asarray(obj["data"], dtype=np.float32)
    return torch.from_numpy(array.reshape(shape).copy())


def save_v1(path, model, src_vocab, tgt_vocab, meta=None, tokenizer=None, add_bos=False, add_eos=True,
            dtype="f16", specials=None):
    specials = specials or {"unk": "<unk>", "bos": "<s>", "eos": "</s>", "pad": "<pad>"}
    doc = {
        "format": "rnnsearch-model",
        "version": 1,
        "meta": meta or {},
        "config": model.config,
        "source": {"vocab": list(src_vocab), "add_bos": add_bos, "add_eos": add_eos},
        "target": {"vocab": list(tgt_vocab)},
        "special_tokens": specials,
        "tokenizer": tokenizer or {},
        "tensors": {name: encode_tensor(t, dtype) for name, t in model.state_dict().items()},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


class V1Model:
    """A loaded v1 file: the module plus vocabularies, special ids and tokenizer options."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.doc = doc
        self.config = doc["config"]
        self.src_vocab = doc["source"]["vocab"]
        self.tgt_vocab = doc["target"]["vocab"]
        self.add_bos = bool(doc["source"].get("add_bos", False))
        self.add_eos = bool(doc["source"].get("add_eos", True))
        specials = doc["special_tokens"]
        self.src_index = {}
        for i, tok in enumerate(self.src_vocab):
            self.src_index.setdefault(tok, i)
        self.tgt_index = {}
        for i, tok in enumerate(self.tgt_vocab):
            self.tgt_index.setdefault(tok, i)
        self.src_unk, self.src_bos, self.src_eos = (self.src_index[specials[k]] for k in ("unk", "bos", "eos"))
        self.tgt_unk, self.tgt_bos, self.tgt_eos = (self.tgt_index[specials[k]] for k in ("unk", "bos", "eos"))
        self.tokenizer = doc.get("tokenizer") or {}
        self.model = RNNSearch(self.config, len(self.src_vocab), len(self.tgt_vocab))
        tensors = {name: decode_tensor(name, obj) for name, obj in doc["tensors"].items()}
        tensors.pop("attention.v.bias", None)
        own = self.model.state_dict()
        for optional in ("attention.query.bias", "attention.key.bias"):
            if optional in own and optional not in tensors:
                tensors[optional] = torch.zeros_like(own[optional])
        self.model.load_state_dict(tensors, strict=True)
        self.model.eval()
