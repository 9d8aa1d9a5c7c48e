"""Tiny v1 model files built without PyTorch, for the hostile-input tests and the fuzzers' seeds: every tensor a
config calls for (spec section 1), with small deterministic values in any of the file's data forms."""
import base64
import copy
import json
import random
import struct

def default_config():
    return {
        "encoder": {"embedding_dim": 3, "hidden_size": 2, "num_layers": 1, "bidirectional": True},
        "decoder": {"embedding_dim": 3, "hidden_size": 4, "num_layers": 1},
        "bridge": "linear_tanh",
        "attention": {"score": "additive", "dim": 2},
        "output": ["state", "context", "embedding"],
    }


def tensor_shapes(config, vs, vt):
    """{name: shape} of every tensor the config needs (optional biases included), in state_dict order."""
    enc, dec, att = config["encoder"], config["decoder"], config["attention"]
    he, le, es = enc["hidden_size"], enc["num_layers"], enc["embedding_dim"]
    hd, ld, et = dec["hidden_size"], dec["num_layers"], dec["embedding_dim"]
    dirs = 2 if enc["bidirectional"] else 1
    k = he * dirs
    shapes = {"encoder.embedding.weight": [vs, es]}
    for layer in range(le):
        for suffix in ("", "_reverse")[:dirs]:
            inp = es if layer == 0 else k
            shapes[f"encoder.rnn.weight_ih_l{layer}{suffix}"] = [3 * he, inp]
            shapes[f"encoder.rnn.weight_hh_l{layer}{suffix}"] = [3 * he, he]
            shapes[f"encoder.rnn.bias_ih_l{layer}{suffix}"] = [3 * he]
            shapes[f"encoder.rnn.bias_hh_l{layer}{suffix}"] = [3 * he]
    if config["bridge"] == "linear_tanh":
        shapes["bridge.weight"] = [ld * hd, k]
        shapes["bridge.bias"] = [ld * hd]
    if att["score"] == "additive":
        a = att["dim"]
        shapes["attention.query.weight"] = [a, hd]
        shapes["attention.query.bias"] = [a]
        shapes["attention.key.weight"] = [a, k]
        shapes["attention.key.bias"] = [a]
        shapes["attention.v.weight"] = [1, a]
    elif att["score"] == "general":
        shapes["attention.weight"] = [hd, k]
    shapes["decoder.embedding.weight"] = [vt, et]
    for layer in range(ld):
        inp = et + k if layer == 0 else hd
        shapes[f"decoder.rnn.weight_ih_l{layer}"] = [3 * hd, inp]
        shapes[f"decoder.rnn.weight_hh_l{layer}"] = [3 * hd, hd]
        shapes[f"decoder.rnn.bias_ih_l{layer}"] = [3 * hd]
        shapes[f"decoder.rnn.bias_hh_l{layer}"] = [3 * hd]
    sizes = {"state": hd, "context": k, "embedding": et}
    do = sum(sizes[p] for p in config["output"])
    shapes["output.weight"] = [vt, do]
    shapes["output.bias"] = [vt]
    return shapes


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _nest(values, shape):
    if len(shape) <= 1:
        return list(values)
    step = _count(shape[1:])
    return [_nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def encode_tensor(shape, values, form="f32"):
    """One TENSOR object: form "flat" or "nested" (JSON numbers), "f32" or "f16" (base64)."""
    if form == "flat":
        return {"shape": list(shape), "data": list(values)}
    if form == "nested":
        return {"shape": list(shape), "data": _nest(list(values), shape)}
    code = "<%d%s" % (len(values), "f" if form == "f32" else "e")
    return {"shape": list(shape), "dtype": form, "base64": base64.b64encode(struct.pack(code, *values)).decode()}


def build(config=None, src_words=("ein", "hund", "katze"), tgt_words=("a", "dog", "cat"), form="f32", seed=1,
          tokenizer=None, add_bos=False, add_eos=True, scale=1.0):
    """A model document (a dict) for json.dumps. Values are exact in f16 so every form holds the same model."""
    config = copy.deepcopy(config or default_config())
    src = ["<unk>", "<s>", "</s>"] + list(src_words)
    tgt = ["<unk>", "<s>", "</s>"] + list(tgt_words)
    rng = random.Random(seed)
    tensors = {}
    for name, shape in tensor_shapes(config, len(src), len(tgt)).items():
        values = [scale * rng.randrange(-64, 64) / 64.0 for _ in range(_count(shape))]
        tensors[name] = encode_tensor(shape, values, form)
    return {
        "format": "rnnsearch-model",
        "version": 1,
        "meta": {"name": "tiny", "purpose": "test"},
        "config": config,
        "source": {"vocab": src, "add_bos": add_bos, "add_eos": add_eos},
        "target": {"vocab": tgt},
        "special_tokens": {"unk": "<unk>", "bos": "<s>", "eos": "</s>"},
        "tokenizer": tokenizer if tokenizer is not None else {},
        "tensors": tensors,
    }


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False)


def write(path, doc):
    """Writes a document (dict), JSON text (str) or raw bytes."""
    data = doc if isinstance(doc, bytes) else (doc if isinstance(doc, str) else dumps(doc)).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def temporary(prefix):
    """A new temporary directory holding model.json, the tiny model of ein/hund/katze -> a/dog/cat; returns the
    directory and the model's path."""
    import tempfile
    directory = tempfile.mkdtemp(prefix=prefix)
    path = f"{directory}/model.json"
    write(path, build(src_words=["ein", "hund", "katze"], tgt_words=["a", "dog", "cat"]))
    return directory, path
