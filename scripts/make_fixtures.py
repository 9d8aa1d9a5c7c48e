#!/usr/bin/python3
"""Writes tests/fixtures/: tiny random v1 models, input files, and the reference's expected JSONL outputs.

  /usr/bin/python3 scripts/make_fixtures.py [--out tests/fixtures]

Deterministic (seeded). tests/fixtures/manifest.json lists every model, its input and the decoding runs
(reference.py / rnnsearch options) with their expected outputs; tests/test_parity.py replays them through
./rnnsearch. The models cover the config space of spec section 1 and the three tensor encodings."""
import argparse
import base64
import io
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import reference  # noqa: E402
import spm_train  # noqa: E402
import subword  # noqa: E402
from model import RNNSearch, save_v1  # noqa: E402

SPECIALS = {"unk": "<unk>", "bos": "<s>", "eos": "</s>", "pad": "<pad>"}
HEAD = ["<unk>", "<s>", "</s>", "<pad>"]
# bentrevett/torchtext order and names: the special ids are not 0, 1, 2.
SPECIALS_TT = {"unk": "<unk>", "bos": "<sos>", "eos": "<eos>", "pad": "<pad>"}
HEAD_TT = ["<unk>", "<pad>", "<sos>", "<eos>"]

SRC_WORDS = ("der die das ein eine hund katze mann frau kind sieht läuft spielt schnell langsam im park und "
             "nicht rote ball haus").split()
TGT_WORDS = "the a dog cat man woman child sees runs plays fast slowly in park and not red ball house".split()

COMMON_INPUT = [
    "ein hund läuft",
    "die frau sieht den ball",
    "",
    "das kind spielt im park",
    "katze",
    "der mann und die frau spielen nicht",
    "  \t ",
    "ein rote ball im haus",
    "xyz qqq",
    "die katze sieht den hund und der hund sieht die katze im park und das kind spielt mit dem roten ball "
    "und der mann läuft schnell nach haus",
    "hund hund hund",
    "läuft\r",
    "der\u00a0mann sieht das haus",
    "ein kind",
    "frau und mann",
]

TOK_SRC_WORDS = ["der", "hund", "lauft", "schnell", ".", "cafe", ",", "ecole", "!", '"', "das", "ist", "gut",
                 "sagte", "er", "don't", "stop", "-", "it's", "3.5", "km", "wie", "geht's", "?", "l'homme",
                 "1,000", "t-shirts", "…", "¿", "que", "¡", "si", "straße", "12:30", "uhr", "(", ")"]
TOK_TGT_WORDS = ["the", "dog", "runs", "fast", ".", ",", "!", "?", '"', "(", ")", "¿", "¡", "«", "»", "l'",
                 "it's", "café", "école", "3.5", "…", ";", ":", "%"]
TOKENIZER_INPUT = [
    "Der Hund läuft schnell.",
    "Café, école!",
    '"Das ist gut," sagte er.',
    "Don't stop -- it's 3.5 km.",
    "",
    "ÉCOLE École école",
    "Wie geht's?",
    "L'homme a 1,000 T-Shirts…",
    "¿Qué? ¡Sí!",
    "STRASSE Straße",
    "12:30 Uhr (ungefähr)",
    "Der Hund, der Hund, der Hund läuft schnell, schnell, schnell und ist gut; er sagte: \"stop!\" "
    "und lief weiter...",
    "\ufeffCafé\u200bnoir",
    "a.b,c 1.5.",
    "?!",
]

TINY_INPUT = ["x y", "z", "x x z y", "", "y z x"]

# The subword fixture: tiny SentencePiece BPE models (spm_train.py's settings) trained on these sentences, and
# input lines with pieces, unknown characters (q, emoji), odd spacing, a NUL and a BOM.
SUBWORD_SRC_TEXT = [
    "Ein Hund läuft im Park.", "Zwei Hunde spielen im Garten.", "Eine Frau liest ein Buch.",
    "Der Mann fährt mit dem Fahrrad.", "Kinder spielen Fußball im Park.", "Tom und Maria wohnen in Berlin.",
    "Ich habe 25 Katzen.", "Die Sonne scheint, und die Vögel singen.",
]
SUBWORD_TGT_TEXT = [
    "A dog runs in the park.", "Two dogs are playing in the garden.", "A woman is reading a book.",
    "The man rides a bike.", "Children play football in the park.", "Tom and Maria live in Berlin.",
    "I have 25 cats.", "The sun is shining, and the birds are singing.",
]
SUBWORD_INPUT = [
    "Ein Hund läuft im Park.", "Zwei Kinder spielen.", "  Tom   wohnt\tin Berlin.  ", "", "Quax 🐕 qq!",
    "Die Vögel singen 25 Lieder.", "Ein\u0000Hund", "Fahrrad Fahrrad Fahrrad", "\u00c4rger \ufeffim Park",
]

LIMITED = ["--max-length", "10"]
RUNS = [("b1", ["-b", "1"] + LIMITED), ("b3", ["-b", "3"] + LIMITED), ("b4n3", ["-b", "4", "-n", "3"] + LIMITED)]


def config(enc, dec, bridge, score, output, dim=None):
    attention = {"score": score}
    if dim is not None:
        attention["dim"] = dim
    return {"encoder": dict(zip(("embedding_dim", "hidden_size", "num_layers", "bidirectional"), enc)),
            "decoder": dict(zip(("embedding_dim", "hidden_size", "num_layers"), dec)),
            "bridge": bridge, "attention": attention, "output": output}


FIXTURES = [
    # name, config, vocabularies, special tokens, options
    dict(name="bi2_additive", seed=11,
         config=config((8, 6, 2, True), (7, 8, 2), "linear_tanh", "additive", ["state", "context", "embedding"], 5),
         dtype="f32", extra_runs=[("b4n3_lp1_f15", ["-b", "4", "-n", "3", "--length-penalty", "1.0",
                                                    "--max-length-factor", "1.5"])]),
    dict(name="uni_copy_dot", seed=12,
         config=config((6, 8, 2, False), (5, 8, 2), "copy", "dot", ["state", "embedding"]), dtype="f16",
         eos_bias=3.5, rnn_std=2.0),
    dict(name="scaled_zeros_dec2", seed=13,
         config=config((5, 8, 1, True), (6, 16, 2), "zeros", "scaled_dot", ["embedding", "context", "state"]),
         dtype="list", rnn_std=2.5),
    dict(name="general_ctx_state", seed=14,
         config=config((6, 5, 1, True), (6, 7, 1), "linear_tanh", "general", ["context", "state"]),
         dtype="nested", specials="tt"),
    dict(name="tokenizer_bos", seed=15,
         config=config((8, 8, 1, False), (8, 10, 1), "linear_tanh", "additive", ["state", "context"], 6),
         dtype="mixed", add_bos=True, eos_bias=3.0, words=(TOK_SRC_WORDS, TOK_TGT_WORDS), input="tokenizer",
         tokenizer={"lowercase": True, "fold_accents": True, "split_punctuation": True,
                    "target": {"lowercase": False, "fold_accents": False, "capitalize": True}}),
    dict(name="additive_nobias", seed=16,
         config=config((6, 6, 1, True), (6, 6, 1), "linear_tanh", "additive", ["state", "context", "embedding"], 4),
         dtype="f32", add_eos=False, drop=["attention.query.bias", "attention.key.bias"], v_bias=True),
    # Output layer independent of the input with exactly tied tokens: exercises the tie rules
    # (greedy: lowest id; beam: by hypothesis then token) while attention still depends on the input.
    dict(name="ties", seed=17,
         config=config((4, 4, 1, True), (4, 6, 1), "linear_tanh", "additive", ["state"], 4),
         dtype="f32", ties=True),
    # SentencePiece sides (README "Subword models"): vocabularies are the pieces of tiny BPE models.
    dict(name="subword", seed=19,
         config=config((6, 6, 1, True), (6, 8, 1), "linear_tanh", "additive", ["state", "context", "embedding"], 5),
         dtype="f32", eos_bias=4.0, subword=(SUBWORD_SRC_TEXT, SUBWORD_TGT_TEXT, 60), input="subword"),
    # Five target tokens: tests enumerate every output up to length 2.
    dict(name="tiny_exhaustive", seed=18,
         config=config((4, 4, 1, False), (4, 4, 1), "copy", "additive", ["state", "context", "embedding"], 3),
         dtype="f32", words=(["x", "y", "z"], ["a", "b"]), head=["<unk>", "<s>", "</s>"], input="tiny",
         runs=[("b1", ["-b", "1", "--max-length", "2"]),
               ("b5n5_lp0", ["-b", "5", "-n", "5", "--length-penalty", "0", "--max-length", "2"]),
               ("b3_long", ["-b", "3", "-n", "2", "--max-length", "6"])]),
]


def build_model(spec, src_vocab, tgt_vocab, eos):
    torch.manual_seed(spec["seed"])
    model = RNNSearch(spec["config"], len(src_vocab), len(tgt_vocab))
    with torch.no_grad():
        for name, param in model.named_parameters():
            # Sharper attention than 0.8 everywhere would give: larger attention weights, and saturated encoder
            # states for dot scores. The decoder stays at 0.8: larger recurrent weights amplify float32 rounding
            # (differences of 1e-4 between float32 and float64 scores at std 2).
            std = 0.8
            if "embedding" in name:
                std = 1.0
            elif name.startswith("attention"):
                std = 1.5
            elif name.startswith("encoder.rnn."):
                std = spec.get("rnn_std", 0.8)
            param.normal_(0.0, std)
        # Some hypotheses should end by eos, others by the length limit.
        model.output.bias[eos] += spec.get("eos_bias", 1.5)
        if spec.get("ties"):
            model.output.weight.zero_()
            model.output.bias.zero_()
            model.output.bias[5] = model.output.bias[7] = 1.0
            model.output.bias[eos] = 0.5
    return model.eval()


def nested(array):
    return array.tolist()


def reencode(doc, spec):
    """The encodings save_v1 does not write: nested arrays, a mix of encodings, dropped optional tensors."""
    tensors = doc["tensors"]
    kind = spec["dtype"]
    names = sorted(tensors)
    for k, name in enumerate(names):
        obj = tensors[name]
        array = np.frombuffer(base64.b64decode(obj["base64"]), dtype="<f4").reshape(obj["shape"])
        if kind == "nested" or (kind == "mixed" and k % 3 == 2):
            tensors[name] = {"shape": obj["shape"], "data": nested(array)}
        elif kind == "mixed" and k % 3 == 1:
            tensors[name] = {"shape": obj["shape"], "dtype": "f16",
                             "base64": base64.b64encode(array.astype("<f2").tobytes()).decode("ascii")}
    for name in spec.get("drop", []):
        del tensors[name]
    if spec.get("v_bias"):
        tensors["attention.v.bias"] = {"shape": [1], "data": [0.75]}


def subword_sides(spec, path):
    """Trains the fixture's two SentencePiece models next to `path` (removed after): (source pieces, target
    pieces, tokenizer object)."""
    src_text, tgt_text, vocab_size = spec["subword"]
    models = [spm_train.train(text, f"{path}.{side}", vocab_size) for side, text in (("src", src_text),
                                                                                     ("tgt", tgt_text))]
    pieces = [subword.Segmenter(subword.load_proto(m)).pieces for m in models]
    tokenizer = subword.tokenizer_config(*models)
    for m in models:
        os.unlink(m)
        os.unlink(m[:-len(".model")] + ".vocab")
    return pieces[0], pieces[1], tokenizer


def write_model(spec, path):
    if "subword" in spec:
        src_vocab, tgt_vocab, tokenizer = subword_sides(spec, path)
        model = build_model(spec, src_vocab, tgt_vocab, tgt_vocab.index(SPECIALS["eos"]))
        meta = {"name": spec["name"], "purpose": "test fixture: random weights, SentencePiece sides",
                "seed": spec["seed"]}
        save_v1(path, model, src_vocab, tgt_vocab, meta=meta, tokenizer=tokenizer, dtype=spec["dtype"],
                specials=SPECIALS)
        return
    head = spec.get("head", HEAD_TT if spec.get("specials") == "tt" else HEAD)
    specials = SPECIALS_TT if spec.get("specials") == "tt" else SPECIALS
    if "head" in spec:
        specials = {k: v for k, v in SPECIALS.items() if k != "pad"}
    src_words, tgt_words = spec.get("words", (SRC_WORDS, TGT_WORDS))
    src_vocab, tgt_vocab = head + src_words, head + tgt_words
    model = build_model(spec, src_vocab, tgt_vocab, tgt_vocab.index(specials["eos"]))
    dtype = spec["dtype"] if spec["dtype"] in ("f32", "f16", "list") else "f32"
    meta = {"name": spec["name"], "purpose": "test fixture: random weights", "seed": spec["seed"]}
    save_v1(path, model, src_vocab, tgt_vocab, meta=meta, tokenizer=spec.get("tokenizer", {}),
            add_bos=spec.get("add_bos", False), add_eos=spec.get("add_eos", True), dtype=dtype, specials=specials)
    if dtype != spec["dtype"] or spec.get("drop") or spec.get("v_bias"):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        reencode(doc, spec)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)


def write_input(path, lines):
    with open(path, "wb") as f:
        for line in lines:
            f.write(line.encode("utf-8") + b"\n")


def summarize(model_path, input_path, args):
    """Decodes again with statistics: how close decisions came to ties, how hypotheses ended."""
    parsed = reference.parse_args(["-m", model_path] + args)
    model = reference.load_model(model_path)
    stats = {}
    with open(input_path, "rb") as f:
        results = list(reference.translate_lines(model, f, parsed.beam, parsed.n_best, parsed.max_length,
                                                 parsed.max_length_factor, parsed.length_penalty, False,
                                                 1, stats))
    by_eos = sum(h.ended_by_eos for _, hyps in results for h in hyps)
    total = sum(len(hyps) for _, hyps in results)
    return stats, by_eos, total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(HERE, "..", "tests", "fixtures"),
                   help="where to write the fixture models (default tests/fixtures)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="write only this fixture (repeatable), keeping the others in the manifest (default: all)")
    args = p.parse_args()
    torch.set_num_threads(1)
    out = os.path.normpath(args.out)
    os.makedirs(out, exist_ok=True)
    inputs = {"common": COMMON_INPUT, "tokenizer": TOKENIZER_INPUT, "tiny": TINY_INPUT, "subword": SUBWORD_INPUT}
    for name, lines in inputs.items():
        write_input(os.path.join(out, name + ".in"), lines)
    manifest = {"note": "written by scripts/make_fixtures.py; expected outputs are scripts/reference.py "
                        "--format jsonl -a with each run's args", "fixtures": []}
    worst = math.inf
    kept = {}
    if args.only:
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            kept = {entry["name"]: entry for entry in json.load(f)["fixtures"] if entry["name"] not in args.only}
    for spec in FIXTURES:
        if spec["name"] in kept:
            manifest["fixtures"].append(kept[spec["name"]])
            continue
        model_file = spec["name"] + ".json"
        input_file = spec.get("input", "common") + ".in"
        write_model(spec, os.path.join(out, model_file))
        entry = {"name": spec["name"], "model": model_file, "input": input_file, "runs": []}
        for run_name, run_args in spec.get("runs", RUNS) + spec.get("extra_runs", []):
            expected = f"{spec['name']}.{run_name}.jsonl"
            buffer = io.StringIO()
            reference.main(["-m", os.path.join(out, model_file), "--format", "jsonl", "-a"] + run_args
                           + [os.path.join(out, input_file)], out=buffer)
            with open(os.path.join(out, expected), "w", encoding="utf-8") as f:
                f.write(buffer.getvalue())
            entry["runs"].append({"name": run_name, "args": run_args, "expected": expected})
            stats, by_eos, total = summarize(os.path.join(out, model_file), os.path.join(out, input_file),
                                             run_args)
            margin = stats.get("min_margin", math.inf)
            worst = min(worst, margin)
            print(f"{spec['name']}.{run_name}: {total} hypotheses, {by_eos} ended by eos; closest decision "
                  f"{margin:.2e}, exact ties {stats.get('exact_ties', 0)}", file=sys.stderr)
        manifest["fixtures"].append(entry)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"wrote {out}: {size / 1e6:.2f} MB; closest decision overall {worst:.2e}", file=sys.stderr)
    if worst < 1e-4:
        print("warning: a decision is within 1e-4 of a tie: float differences could flip it", file=sys.stderr)


if __name__ == "__main__":
    main()
