#!/usr/bin/python3
"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/{model,decode,tokenizer}): small valid models in every
data form and architecture, a few broken ones, and input lines with the usual troubles. Deterministic; run
from anywhere: /usr/bin/python3 tests/fuzz/make_seeds.py"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tinymodel  # noqa: E402


def small_config(bridge="linear_tanh", score="additive", bidirectional=True, layers=1, output=None, same=False):
    he = 2 if same or score in ("dot", "scaled_dot") else 1
    hd = he * (2 if bidirectional else 1) if score in ("dot", "scaled_dot") else (he if same else 2)
    config = {
        "encoder": {"embedding_dim": 2, "hidden_size": he, "num_layers": layers, "bidirectional": bidirectional},
        "decoder": {"embedding_dim": 1, "hidden_size": hd, "num_layers": layers},
        "bridge": bridge,
        "attention": {"score": score},
        "output": output or ["state"],
    }
    if score == "additive":
        config["attention"]["dim"] = 1
    return config


def models():
    words = dict(src_words=["a", "b"], tgt_words=["x", "y"])
    yield "additive_f32", tinymodel.build(small_config(), form="f32", **words)
    yield "additive_f16", tinymodel.build(small_config(), form="f16", **words)
    yield "additive_flat", tinymodel.build(small_config(output=["state", "context", "embedding"]), form="flat",
                                           **words)
    yield "general_nested", tinymodel.build(small_config("zeros", "general", False, 2, ["context", "state"]),
                                            form="nested", **words)
    yield "copy_dot", tinymodel.build(small_config("copy", "dot", False, 1, same=True), form="flat", **words)
    yield "scaled_dot_bos", tinymodel.build(small_config("zeros", "scaled_dot"), form="f32", add_bos=True,
                                            tokenizer={"lowercase": True, "split_punctuation": True,
                                                       "target": {"capitalize": True}}, **words)
    doc = tinymodel.build(small_config(), form="flat", **words)
    del doc["tensors"]["attention.query.bias"]
    doc["tensors"]["attention.v.bias"] = {"shape": [1], "data": [0.5]}
    doc["special_tokens"]["pad"] = "<pad>"
    yield "optional_biases", doc


def decode_seeds():
    lines = [
        b"ein hund\n",
        b"Ein Hund, die Katze!\r\nx\n\n   \n",
        b"ein\thund\nkatze\tdog cat\n",
        b"\xff\xfe\x00 ein \xc3\xa9t\xc3\xa9 \xe2\x80\x99s l'homme 3.5\n",
        b"a b c d e f g h i j k l m n o p q r s t u v w x y z\n",
        b"\x00\x00\x00\n\t\t\n",
    ]
    for i, text in enumerate(lines):
        for header in (b"\x00\x00\x0f\x00", b"\x01\x23\x4f\x0c", b"\x12\x01\xff\x1c", b"\x03\x44\x20\xe7"):
            yield header + text
        yield bytes([i, 0x31, 0x2a, 0x9d]) + text


def tokenizer_seeds():
    yield b"\x00Hello, World! don't t-shirt 3.5 1,000 10:30"
    yield b"\x0fL'homme \xc3\x89T\xc3\x89 \xe2\x80\x9cquoted\xe2\x80\x9d \"x\" \xc2\xbfqu\xc3\xa9?"
    yield b"\x05\xff\xfe\xed\xa0\x80 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\r\n"
    yield b'\x00{"lowercase": true, "source": {"split_punctuation": true}, "target": {"capitalize": true}}'


def write_dir(name, items):
    path = os.path.join(HERE, "corpus", name)
    os.makedirs(path, exist_ok=True)
    for old in os.listdir(path):  # the seeds are all written here: start afresh
        os.remove(os.path.join(path, old))
    for data in items:
        with open(os.path.join(path, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


def main():
    texts = []
    for _, doc in models():
        text = json.dumps(doc, ensure_ascii=False).encode()
        texts.append(text)
    texts.append(texts[0][: len(texts[0]) // 2])  # truncated
    texts.append(texts[0].replace(b'"meta"', b'"tensors": {}, "meta"', 1))  # a key given twice
    texts.append(b"[" * 40 + b"]" * 40)
    write_dir("model", texts)
    write_dir("decode", list(decode_seeds()))
    write_dir("tokenizer", list(tokenizer_seeds()))


if __name__ == "__main__":
    main()
