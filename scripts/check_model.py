"""An independent reader of v1 model files (spec section 1) with Python's json and numpy: says whether a file is
a valid model, and why not. It shares no code with the C loader; tests/test_differential.py runs both on the
fuzzers' corpus files and requires that they agree on every one. Rules beyond the spec are the README's
("Where the spec is silent"): one byte order mark, no NUL, keys unique, finite float32 weights (rounding to
nearest), special tokens in both vocabularies, no line breaks in tokens, no unknown tensor or tokenizer key."""
import argparse
import base64
import binascii
import json
import re
import sys

import numpy as np

MAX_DIM = 1 << 24  # src/engine/config.h RS_MAX_DIM
MAX_LAYERS = 256
FLOAT32_LIMIT = float.fromhex("0x1.ffffffp+127")  # at or above it, rounding to float32 gives infinity
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
TOKENIZER_OPTIONS = {"lowercase", "fold_accents", "split_punctuation", "split_elision", "capitalize"}
BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class Invalid(Exception):
    pass


class NotModelled(Exception):
    """A file this reader does not judge (a SentencePiece tokenizer)."""


def unique_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Invalid("a key given twice")
    return dict(pairs)


def no_constant(name):
    raise Invalid(f"{name} is not JSON")


def parse(data):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\0" in data:
        raise Invalid("a NUL byte")
    text = data.decode("utf-8", "surrogateescape")
    if text.startswith("\ufeff"):
        raise Invalid("a second byte order mark")
    if not text.strip(" \t\r\n"):
        raise Invalid("empty")
    try:
        doc = json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_constant)
    except (ValueError, RecursionError) as e:
        raise Invalid(f"invalid JSON: {e}")

    def walk(value):
        if isinstance(value, str) and "\0" in value:
            raise Invalid("a NUL character in a string")
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(doc)
    return doc


def obj(parent, key, path):
    value = parent.get(key)
    if not isinstance(value, dict):
        raise Invalid(f"{path}{key}: not an object")
    return value


def size(parent, key, path, limit=MAX_DIM):
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (1 <= value <= limit) \
            or value != int(value):
        raise Invalid(f"{path}{key}: not a positive integer up to {limit}")
    return int(value)


def check_config(config):
    if not isinstance(config, dict):
        raise Invalid("config: not an object")
    enc, dec = obj(config, "encoder", "config."), obj(config, "decoder", "config.")
    es, he = size(enc, "embedding_dim", "encoder."), size(enc, "hidden_size", "encoder.")
    le = size(enc, "num_layers", "encoder.", MAX_LAYERS)
    if not isinstance(enc.get("bidirectional"), bool):
        raise Invalid("encoder.bidirectional")
    et, hd = size(dec, "embedding_dim", "decoder."), size(dec, "hidden_size", "decoder.")
    ld = size(dec, "num_layers", "decoder.", MAX_LAYERS)
    bridge = config.get("bridge")
    if bridge not in ("linear_tanh", "copy", "zeros"):
        raise Invalid("config.bridge")
    attention = obj(config, "attention", "config.")
    score = attention.get("score")
    if score not in ("additive", "dot", "scaled_dot", "general"):
        raise Invalid("attention.score")
    a = size(attention, "dim", "attention.") if score == "additive" else 0
    output = config.get("output")
    if not isinstance(output, list) or not output or any(p not in ("state", "context", "embedding") for p in output) \
            or len(set(output)) != len(output):
        raise Invalid("config.output")
    if ld * hd > MAX_DIM:
        raise Invalid("decoder too large")
    dirs = 2 if enc["bidirectional"] else 1
    k = he * dirs
    if bridge == "copy" and (dirs == 2 or le != ld or he != hd):
        raise Invalid("copy bridge")
    if score in ("dot", "scaled_dot") and hd != k:
        raise Invalid("dot score sizes")
    sizes = {"state": hd, "context": k, "embedding": et}
    return dict(es=es, he=he, le=le, dirs=dirs, et=et, hd=hd, ld=ld, bridge=bridge, score=score, a=a, k=k,
                out=sum(sizes[p] for p in output))


def check_vocab(side, name):
    vocab = side.get("vocab")
    if not isinstance(vocab, list) or len(vocab) > MAX_DIM:
        raise Invalid(f"{name}.vocab")
    for token in vocab:
        if not isinstance(token, str):
            raise Invalid(f"{name}.vocab: not a string")
        try:
            token.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(f"{name}.vocab: not UTF-8")
        if LINE_BREAKS.search(token):
            raise Invalid(f"{name}.vocab: a line break")
    for flag in ("add_bos", "add_eos"):
        if flag in side and not isinstance(side[flag], bool):
            raise Invalid(f"{name}.{flag}")
    return vocab


def check_tokenizer(tokenizer):
    if tokenizer is None:
        return
    if not isinstance(tokenizer, dict):
        raise Invalid("tokenizer: not an object")
    for key, value in tokenizer.items():
        if key in ("source", "target"):
            if value is None:
                continue
            if not isinstance(value, dict):
                raise Invalid(f"tokenizer.{key}")
            if "sentencepiece" in value:
                raise NotModelled("a SentencePiece tokenizer")
            for sub, flag in value.items():
                if sub not in TOKENIZER_OPTIONS or not isinstance(flag, bool):
                    raise Invalid(f"tokenizer.{key}.{sub}")
        elif key not in TOKENIZER_OPTIONS or not isinstance(value, bool):
            raise Invalid(f"tokenizer.{key}")


def expected_tensors(c, vs, vt):
    """{name: (shape, optional)}."""
    shapes = {"encoder.embedding.weight": ((vs, c["es"]), False)}

    def gru(prefix, layer, suffix, inp, hidden):
        shapes[f"{prefix}weight_ih_l{layer}{suffix}"] = ((3 * hidden, inp), False)
        shapes[f"{prefix}weight_hh_l{layer}{suffix}"] = ((3 * hidden, hidden), False)
        shapes[f"{prefix}bias_ih_l{layer}{suffix}"] = ((3 * hidden,), False)
        shapes[f"{prefix}bias_hh_l{layer}{suffix}"] = ((3 * hidden,), False)

    for layer in range(c["le"]):
        for d in range(c["dirs"]):
            gru("encoder.rnn.", layer, "_reverse" if d else "", c["es"] if layer == 0 else c["k"], c["he"])
    if c["bridge"] == "linear_tanh":
        shapes["bridge.weight"] = ((c["ld"] * c["hd"], c["k"]), False)
        shapes["bridge.bias"] = ((c["ld"] * c["hd"],), False)
    if c["score"] == "additive":
        shapes["attention.query.weight"] = ((c["a"], c["hd"]), False)
        shapes["attention.query.bias"] = ((c["a"],), True)
        shapes["attention.key.weight"] = ((c["a"], c["k"]), False)
        shapes["attention.key.bias"] = ((c["a"],), True)
        shapes["attention.v.weight"] = ((1, c["a"]), False)
    elif c["score"] == "general":
        shapes["attention.weight"] = ((c["hd"], c["k"]), False)
    shapes["decoder.embedding.weight"] = ((vt, c["et"]), False)
    for layer in range(c["ld"]):
        gru("decoder.rnn.", layer, "", c["et"] + c["k"] if layer == 0 else c["hd"], c["hd"])
    shapes["output.weight"] = ((vt, c["out"]), False)
    shapes["output.bias"] = ((vt,), False)
    return shapes


def finite_float32(x):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise Invalid("not a number")
    try:
        return abs(float(x)) < FLOAT32_LIMIT
    except OverflowError:
        return False


def flatten(data, shape):
    """The numbers of a data list, flat or nested exactly as the shape says."""
    count = int(np.prod(shape)) if shape else 1
    if not isinstance(data, list):
        raise Invalid("data is not a list")
    if all(not isinstance(x, list) for x in data):
        if len(data) != count:
            raise Invalid("data length")
        return data
    if len(shape) < 2 or len(data) != shape[0]:
        raise Invalid("data does not match the shape")
    return [x for row in data for x in flatten(row, shape[1:])]


def check_tensor(name, tensor, shape):
    if not isinstance(tensor, dict) or "shape" not in tensor:
        raise Invalid(f"tensor {name}")
    if list(tensor["shape"]) != list(shape) if isinstance(tensor["shape"], list) else True:
        raise Invalid(f"tensor {name}: shape")
    if ("data" in tensor) == ("base64" in tensor):
        raise Invalid(f"tensor {name}: data or base64")
    dtype = tensor.get("dtype", "f32")
    if dtype not in ("f32", "f16"):
        raise Invalid(f"tensor {name}: dtype")
    count = int(np.prod(shape))
    if "data" in tensor:
        values = flatten(tensor["data"], list(shape))
        if not all(finite_float32(x) for x in values):
            raise Invalid(f"tensor {name}: not a finite float32 value")
        return
    text = tensor["base64"]
    if not isinstance(text, str) or not BASE64.match(text) or len(text) % 4 == 1:
        raise Invalid(f"tensor {name}: base64")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"tensor {name}: base64")
    width = 2 if dtype == "f16" else 4
    if len(raw) != count * width:
        raise Invalid(f"tensor {name}: base64 length")
    values = np.frombuffer(raw, dtype="<f2" if dtype == "f16" else "<f4")
    if not np.isfinite(values).all():
        raise Invalid(f"tensor {name}: not finite")


def check(data):
    """None when the bytes are a valid model, else the reason (NotModelled propagates)."""
    try:
        doc = parse(data)
        if not isinstance(doc, dict):
            raise Invalid("top level")
        if doc.get("format") != "rnnsearch-model":
            raise Invalid("format")
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, (int, float)) or version != 1:
            raise Invalid("version")
        if "meta" in doc and not isinstance(doc["meta"], dict):
            raise Invalid("meta")
        if "config" not in doc:
            raise Invalid("config missing")
        c = check_config(doc["config"])
        src = check_vocab(obj(doc, "source", ""), "source")
        tgt = check_vocab(obj(doc, "target", ""), "target")
        specials = obj(doc, "special_tokens", "")
        for key in ("unk", "bos", "eos", "pad"):
            if key not in specials:
                if key == "pad":
                    continue
                raise Invalid(f"special_tokens.{key}")
            token = specials[key]
            if not isinstance(token, str):
                raise Invalid(f"special_tokens.{key}")
            if key != "pad" and (token not in src or token not in tgt):
                raise Invalid(f"special_tokens.{key}: not in the vocabularies")
        check_tokenizer(doc.get("tokenizer"))
        tensors = doc.get("tensors")
        if not isinstance(tensors, dict):
            raise Invalid("tensors")
        shapes = expected_tensors(c, len(src), len(tgt))
        for name, tensor in tensors.items():
            if name == "attention.v.bias" and c["score"] == "additive":
                continue
            if name not in shapes:
                raise Invalid(f"tensor {name}: unknown")
            check_tensor(name, tensor, shapes[name][0])
        for name, (_, optional) in shapes.items():
            if name not in tensors and not optional:
                raise Invalid(f"tensor {name}: missing")
        return None
    except Invalid as e:
        return str(e)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", help="model files")
    args = parser.parse_args()
    status = 0
    for path in args.files:
        with open(path, "rb") as f:
            try:
                reason = check(f.read())
            except NotModelled as e:
                print(f"{path}: not judged ({e})")
                continue
        print(f"{path}: {'valid' if reason is None else 'invalid: ' + reason}")
        status |= reason is not None
    return status


if __name__ == "__main__":
    sys.exit(main())
