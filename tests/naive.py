"""A second, deliberately plain implementation of spec section 1 and README.md "Decoding" (numpy, float64, one
sentence and one hypothesis at a time, no PyTorch), used by the tests to check scripts/reference.py and
./rnnsearch against something that shares no code with them."""
import base64
import json
import math

import numpy as np


def decode_tensor(obj):
    if "base64" in obj:
        dtype = {"f32": "<f4", "f16": "<f2"}[obj.get("dtype", "f32")]
        array = np.frombuffer(base64.b64decode(obj["base64"]), dtype=dtype)
    else:
        array = np.array(obj["data"], dtype=np.float32).reshape(-1)
    return array.astype(np.float32).astype(np.float64).reshape(obj["shape"])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


class NaiveModel:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.doc = doc
        self.config = doc["config"]
        self.t = {name: decode_tensor(obj) for name, obj in doc["tensors"].items()}
        self.src_vocab = doc["source"]["vocab"]
        self.tgt_vocab = doc["target"]["vocab"]
        specials = doc["special_tokens"]
        self.src_id = {}
        for i, w in enumerate(self.src_vocab):
            self.src_id.setdefault(w, i)
        self.tgt_id = {}
        for i, w in enumerate(self.tgt_vocab):
            self.tgt_id.setdefault(w, i)
        self.bos = self.tgt_id[specials["bos"]]
        self.eos = self.tgt_id[specials["eos"]]
        self.src_unk = self.src_id[specials["unk"]]

    def source_ids(self, source_tokens):
        """Ids of the `source` field of a JSONL line (bos/eos already there)."""
        return [self.src_id.get(w, self.src_unk) for w in source_tokens]

    def gru_cell(self, prefix, x, h):
        t = self.t
        hidden = h.shape[0]
        gi = t[prefix.format("weight_ih")] @ x + t[prefix.format("bias_ih")]
        gh = t[prefix.format("weight_hh")] @ h + t[prefix.format("bias_hh")]
        r = sigmoid(gi[:hidden] + gh[:hidden])
        z = sigmoid(gi[hidden:2 * hidden] + gh[hidden:2 * hidden])
        n = np.tanh(gi[2 * hidden:] + r * gh[2 * hidden:])
        return (1 - z) * n + z * h

    def encode(self, ids):
        """Encoder outputs [S, K] and the decoder's initial state [Ld, Hd]."""
        enc, dec = self.config["encoder"], self.config["decoder"]
        he = enc["hidden_size"]
        inputs = [self.t["encoder.embedding.weight"][i] for i in ids]
        finals = []
        for layer in range(enc["num_layers"]):
            h = np.zeros(he)
            forward = []
            for x in inputs:
                h = self.gru_cell("encoder.rnn.{}_l%d" % layer, x, h)
                forward.append(h)
            final_f = h
            if enc["bidirectional"]:
                h = np.zeros(he)
                backward = [None] * len(inputs)
                for j in reversed(range(len(inputs))):
                    h = self.gru_cell("encoder.rnn.{}_l%d_reverse" % layer, inputs[j], h)
                    backward[j] = h
                finals.append((final_f, h))
                inputs = [np.concatenate([f, b]) for f, b in zip(forward, backward)]
            else:
                finals.append((final_f,))
                inputs = forward
        outputs = np.stack(inputs)
        ld, hd = dec["num_layers"], dec["hidden_size"]
        bridge = self.config["bridge"]
        if bridge == "linear_tanh":
            final = np.concatenate(finals[-1])
            s0 = np.tanh(self.t["bridge.weight"] @ final + self.t["bridge.bias"]).reshape(ld, hd)
        elif bridge == "copy":
            s0 = np.stack([f[0] for f in finals])
        else:
            s0 = np.zeros((ld, hd))
        return outputs, s0

    def step(self, y_prev, state, outputs):
        """One decoder step: log-probabilities, new state, attention weights."""
        t, att = self.t, self.config["attention"]
        q = state[-1]
        score = att["score"]
        if score == "additive":
            a = t["attention.query.weight"].shape[0]
            qb = t.get("attention.query.bias", np.zeros(a))
            kb = t.get("attention.key.bias", np.zeros(a))
            pre = t["attention.query.weight"] @ q + qb
            e = np.array([t["attention.v.weight"][0] @ np.tanh(pre + t["attention.key.weight"] @ h + kb)
                          for h in outputs])
        elif score == "dot":
            e = outputs @ q
        elif score == "scaled_dot":
            e = outputs @ q / math.sqrt(outputs.shape[1])
        else:
            e = np.array([q @ (t["attention.weight"] @ h) for h in outputs])
        weights = softmax(e)
        context = weights @ outputs
        emb = t["decoder.embedding.weight"][y_prev]
        x = np.concatenate([emb, context])
        new_state = []
        for layer in range(self.config["decoder"]["num_layers"]):
            x = self.gru_cell("decoder.rnn.{}_l%d" % layer, x, state[layer])
            new_state.append(x)
        parts = {"state": x, "context": context, "embedding": emb}
        logits = t["output.weight"] @ np.concatenate([parts[p] for p in self.config["output"]]) + t["output.bias"]
        m = logits.max()
        logp = logits - (m + math.log(np.exp(logits - m).sum()))
        return logp, np.stack(new_state), weights

    def score(self, src_ids, tgt_ids):
        """Teacher-forced log-probabilities and attention rows of a target sequence (ids as emitted)."""
        outputs, state = self.encode(src_ids)
        y, logps, rows = self.bos, [], []
        for w in tgt_ids:
            logp, state, weights = self.step(y, state, outputs)
            logps.append(logp[w])
            rows.append(weights)
            y = w
        return logps, rows


def limit(n_src, max_length=256, factor=3.0):
    return min(max_length, math.ceil(factor * n_src))


def greedy(model, src_ids, max_len):
    outputs, state = model.encode(src_ids)
    y, ids, score, rows = model.bos, [], 0.0, []
    for _ in range(max_len):
        logp, state, weights = model.step(y, state, outputs)
        w = int(np.flatnonzero(logp == logp.max())[0])
        ids.append(w)
        score += logp[w]
        rows.append(weights)
        y = w
        if w == model.eos:
            break
    return ids, score, rows


def beam(model, src_ids, k, max_len, alpha):
    """README.md "Decoding", literally. Returns [(ids, score, normalized, rows)] best first."""
    outputs, s0 = model.encode(src_ids)
    alive = [([], 0.0, s0, [])]
    finished = []
    for t in range(1, max_len + 1):
        candidates = []
        for i, (ids, score, state, rows) in enumerate(alive):
            logp, new_state, weights = model.step(ids[-1] if ids else model.bos, state, outputs)
            for w in range(len(logp)):
                candidates.append((score + logp[w], i, w, new_state, weights))
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        next_alive = []
        for score, i, w, state, weights in candidates[:k - len(finished)]:
            hyp = (alive[i][0] + [w], score, state, alive[i][3] + [weights])
            (finished if w == model.eos else next_alive).append(hyp)
        if len(finished) >= k or not next_alive:
            break
        if t == max_len:
            finished.extend(next_alive)
            break
        alive = next_alive
    ranked = sorted(enumerate(finished), key=lambda e: (-e[1][1] / len(e[1][0]) ** alpha, e[0]))
    return [(h[0], h[1], h[1] / len(h[0]) ** alpha, h[3]) for _, h in ranked]


def enumerate_outputs(model, src_ids, max_len):
    """Every output the decoder can produce within max_len tokens: (ids, raw score)."""
    outputs, s0 = model.encode(src_ids)
    found = []

    def walk(ids, score, state):
        logp, state, _ = model.step(ids[-1] if ids else model.bos, state, outputs)
        for w in range(len(logp)):
            seq = ids + [w]
            if w == model.eos or len(seq) == max_len:
                found.append((seq, score + logp[w]))
            else:
                walk(seq, score + logp[w], state)

    walk([], 0.0, s0)
    return found
