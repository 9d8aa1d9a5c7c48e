"""Gradient attribution (--explain=saliency,grad_input,ig): the C backward pass against PyTorch autograd
(scripts/attribute.py) on the fixture model of every architecture, integrated gradients' completeness on the
bundled models, and the rank correlations' rules for short sources and unknown words."""
import json
import math
import os
import subprocess
import sys
import unittest

import refcache
from clitools import BINARY, ROOT, child_env, fixture, run as run_rnnsearch, timeout, wrapper

sys.path.insert(0, os.path.join(ROOT, "scripts"))

import attribute  # noqa: E402
from model import V1Model  # noqa: E402

# Every score (additive with and without biases, dot, scaled_dot, general), bridge (linear_tanh, copy, zeros),
# uni- and bidirectional, one- and two-layer encoders and decoders, every output part, added bos.
ARCHITECTURES = ["bi2_additive", "additive_nobias", "uni_copy_dot", "scaled_zeros_dec2", "general_ctx_state",
                 "tokenizer_bos", "tiny_exhaustive"]
TOLERANCE = 1e-4
IG_STEPS = 8
METHODS = "--explain=saliency,grad_input,ig"


def jsonl(args, stdin, slow=False):
    """rnnsearch's JSONL objects; slow: a run that may take minutes on a loaded machine (integrated gradients
    on a bundled model), allowed ten times the usual timeout."""
    result = subprocess.run(wrapper() + [BINARY] + list(args), input=stdin.encode("utf-8"), capture_output=True,
                            env=child_env(), timeout=timeout() * (10 if slow else 1))
    if result.returncode != 0:
        raise AssertionError(result.stderr.decode("utf-8", "replace"))
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def input_lines(name, count):
    path = fixture("tiny.in" if name == "tiny_exhaustive" else
                   "tokenizer.in" if name == "tokenizer_bos" else "common.in")
    with open(path, encoding="utf-8") as f:
        return [line for line in f.read().split("\n") if line.strip()][:count]


@unittest.skipUnless(os.path.exists(BINARY), "rnnsearch is not built")
class AutogradTest(unittest.TestCase):
    """Relative error max |C - autograd| / max |autograd| per matrix <= 1e-4 (autograd in float64)."""

    def compare(self, name, objs):
        path = fixture(f"{name}.json")
        loaded = []

        def reference_of(args):  # the model is loaded only when a reference is not in the cache
            if not loaded:
                loaded.append(V1Model(path))
            return attribute.attribute(loaded[0], *args)

        checked = 0
        for obj in objs:
            for hyp in obj["hypotheses"]:
                if not hyp["saliency"]:
                    continue
                args = (obj["source"], hyp["tokens"], len(hyp["saliency"]), IG_STEPS)
                reference = refcache.cached("autograd", [("file", path), ("file", attribute.__file__),
                                                         ("file", sys.modules[V1Model.__module__].__file__),
                                                         attribute.torch.__version__, args],
                                            lambda: reference_of(args))
                for method in ("saliency", "grad_input", "ig"):
                    error = attribute.relative_error(hyp[method], reference[method])
                    self.assertLessEqual(error, TOLERANCE, f"{name} {method} line {obj['id']}: {error:.3g}")
                checked += 1
        self.assertGreater(checked, 0)

    def test_search_output(self):
        for name in ARCHITECTURES:
            with self.subTest(model=name):
                lines = input_lines(name, 4)
                objs = jsonl(["-m", fixture(f"{name}.json"), "-b", "2", "-n", "2", "--format", "jsonl", METHODS,
                              "--ig-steps", str(IG_STEPS)], "\n".join(lines) + "\n")
                self.compare(name, objs)

    def test_forced_targets(self):
        """Forced targets, unknown target words and a target cut short included."""
        pairs = "ein hund läuft\tthe dog runs\ndie frau xyz\ta woman qqq sees\nhund\tdog dog dog dog\n"
        for name in ("bi2_additive", "uni_copy_dot", "scaled_zeros_dec2"):
            with self.subTest(model=name):
                objs = jsonl(["-m", fixture(f"{name}.json"), "--forced", "--format", "jsonl", METHODS,
                              "--ig-steps", str(IG_STEPS)], pairs)
                self.compare(name, objs)


def completeness(hyp):
    """(relative error, delta) per step: |sum_j ig_tj - delta_t| / max(|delta_t|, 0.01)."""
    out = []
    for row, error in zip(hyp["ig"], hyp["ig_completeness_error"]):
        delta = sum(row) - error
        out.append((abs(error) / max(abs(delta), 0.01), delta))
    return out


@unittest.skipUnless(os.path.exists(BINARY), "rnnsearch is not built")
class CompletenessTest(unittest.TestCase):
    """The default (adaptive) ig keeps the completeness error within 1% on the bundled models."""

    SENTENCES = {
        "deu-eng": ["Zwei Hunde spielen im Schnee."],
        "fra-eng": ["Il fait froid aujourd'hui."],
        "fra-eng-word": ["Il fait froid aujourd'hui."],
        "eng-fra": ["It is cold today."],
        "eng-pes": ["Where is the book?"],
    }

    def test_bundled_models(self):
        for model, lines in self.SENTENCES.items():
            path = os.path.join(ROOT, "models", f"{model}.json")
            if not os.path.exists(path):
                continue
            with self.subTest(model=model):
                for obj in jsonl(["-m", path, "-b", "1", "--format", "jsonl", "--explain=ig"], "\n".join(lines) + "\n",
                                 slow=True):
                    for relative, delta in completeness(obj["hypotheses"][0]):
                        self.assertLessEqual(relative, 0.01, f"{model} line {obj['id']}: delta {delta}")

    def test_fixed_rule_converges(self):
        """--ig-steps N: more nodes, smaller error (the quadrature converges to the path integral)."""
        errors = []
        for steps in (2, 16):
            obj = jsonl(["-m", fixture("bi2_additive.json"), "-b", "1", "--format", "jsonl", "--explain=ig",
                         "--ig-steps", str(steps)], "die frau sieht den ball\n")[0]
            errors.append(max(r for r, _ in completeness(obj["hypotheses"][0])))
        self.assertLess(errors[1], errors[0])


@unittest.skipUnless(os.path.exists(BINARY), "rnnsearch is not built")
class InterfaceTest(unittest.TestCase):
    MODEL = fixture("bi2_additive.json")

    def test_bare_explain_unchanged(self):
        """Bare --explain writes exactly its own fields; --explain=occlusion the same occlusion matrix."""
        text = "ein hund läuft\ndie frau sieht den ball\n"
        bare = jsonl(["-m", self.MODEL, "--format", "jsonl", "--explain"], text)
        named = jsonl(["-m", self.MODEL, "--format", "jsonl", "--explain=occlusion"], text)
        for old, new in zip(bare, named):
            h_old, h_new = old["hypotheses"][0], new["hypotheses"][0]
            self.assertTrue({"occlusion", "rank_correlation", "mean_rank_correlation"} <= set(h_old))
            self.assertFalse({"rank_correlations", "saliency", "ig"} & set(h_old))
            self.assertEqual(h_old["occlusion"], h_new["occlusion"])
            self.assertEqual(set(h_new["rank_correlations"]), {"occlusion"})

    def test_attention_method(self):
        text = "ein hund läuft\n"
        with_a = jsonl(["-m", self.MODEL, "--format", "jsonl", "-a"], text)[0]["hypotheses"][0]
        method = jsonl(["-m", self.MODEL, "--format", "jsonl", "--explain=attention"], text)[0]["hypotheses"][0]
        self.assertEqual(with_a["attention"], method["attention"])
        self.assertEqual(method["rank_correlations"], {})
        both = run_rnnsearch(["-m", self.MODEL, "--format", "jsonl", "-a", "--explain=attention"], text.encode())
        self.assertEqual(both.stdout.decode().count('"attention"'), 1)

    def test_short_sources_and_unknown_words(self):
        """rho needs three tokens: null for one- and two-word sources; occlusion leaves unk tokens out."""
        objs = jsonl(["-m", self.MODEL, "-b", "1", "--format", "jsonl", "--explain=occlusion,saliency"],
                     "hund\nein hund\nxyz qqq hund\nein xyz hund läuft\n")
        for obj in objs[:2]:
            h = obj["hypotheses"][0]
            for method in ("occlusion", "saliency"):
                self.assertTrue(all(r is None for r in h["rank_correlations"][method]), (obj["source"], method))
                self.assertIsNone(h["mean_rank_correlations"][method])
        # "xyz qqq hund": saliency ranks three tokens, occlusion only one (two are unk)
        h = objs[2]["hypotheses"][0]
        self.assertTrue(any(r is not None for r in h["rank_correlations"]["saliency"]))
        self.assertTrue(all(r is None for r in h["rank_correlations"]["occlusion"]))
        h = objs[3]["hypotheses"][0]
        self.assertTrue(any(r is not None for r in h["rank_correlations"]["occlusion"]))
        for r in h["rank_correlations"]["saliency"]:
            self.assertTrue(r is None or -1 - 1e-9 <= r <= 1 + 1e-9)

    def test_empty_line(self):
        obj = jsonl(["-m", self.MODEL, "--format", "jsonl", "--explain=saliency,ig"], "\n")[0]
        h = obj["hypotheses"][0]
        self.assertEqual((h["saliency"], h["ig"], h["ig_completeness_error"]), ([], [], []))
        self.assertEqual((h["rank_correlations"], h["mean_rank_correlations"]), ({}, {}))

    def test_heatmap_title_fits(self):
        """The bold panel title is measured with DejaVu Sans Bold's advances, so the SVG is wide enough for it."""
        try:
            from fontTools.ttLib import TTFont
        except ImportError:
            self.skipTest("fontTools is not installed")
        font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
        if not os.path.exists(font_path):
            self.skipTest("DejaVu Sans Bold is not installed")
        font = TTFont(font_path)
        cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
        import re
        import tempfile
        import xml.etree.ElementTree as ET
        # the case of the issue: "0: <unk> <unk> <unk> <unk> <unk>." was clipped in a 302 px wide SVG
        model = os.path.join(ROOT, "models", "fra-eng-word.json")
        if not os.path.exists(model):
            model = self.MODEL
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "h.svg")
            run_rnnsearch(["-m", model, "-b", "1", "--heatmap", path], b"xyzq qqqq abcd efgh ijkl\nhund hund\n")
            root = ET.parse(path).getroot()
        width = float(root.get("width"))
        titles = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("font-weight") == "bold"]
        self.assertTrue(titles)
        for title in titles:
            text = "".join(title.itertext())
            ems = sum(metrics[cmap[ord(c)]][0] / units for c in text if ord(c) in cmap)
            self.assertGreaterEqual(width, 12 + 14 * ems, text)
            self.assertTrue(re.match(r"\d+: ", text))

    def test_csv_columns(self):
        """--align-csv FILE gets a column per method after the weight, the JSONL matrices' values."""
        import csv
        import tempfile
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "a.csv")
            out = run_rnnsearch(["-m", self.MODEL, "-b", "1", "--format", "jsonl", "--explain=occlusion,saliency",
                                 "--align-csv", path], b"ein hund\n")
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        h = json.loads(out.stdout)["hypotheses"][0]
        self.assertEqual(list(rows[0])[-3:], ["weight", "occlusion", "saliency"])
        for row in rows:
            t, j = int(row["target_index"]), int(row["source_index"])
            for method in ("occlusion", "saliency"):
                self.assertAlmostEqual(float(row[method]), h[method][t][j], delta=1e-6)

    def test_saliency_is_a_norm(self):
        h = jsonl(["-m", self.MODEL, "--format", "jsonl", "--explain=saliency,grad_input"],
                  "die frau sieht den ball\n")[0]["hypotheses"][0]
        self.assertTrue(all(v >= 0 for row in h["saliency"] for v in row))
        self.assertTrue(all(math.isfinite(v) for row in h["grad_input"] for v in row))


@unittest.skipUnless(os.path.exists(BINARY) and os.path.exists(os.path.join(ROOT, "models", "eng-pes.json")),
                     "rnnsearch or the bundled models are missing")
class MainFeaturesTest(unittest.TestCase):
    """The methods with what main added alongside: subword models' word views, sentence splitting, --html."""
    SUBWORD = os.path.join(ROOT, "models", "eng-pes.json")
    WORDS = os.path.join(ROOT, "models", "deu-eng-word.json")
    METHODS = "--explain=attention,occlusion,saliency,grad_input,ig"

    def test_subword_word_view_and_pieces(self):
        """Per-piece matrices beside a word view: no crash; heatmaps show the methods with --piece-level only."""
        import tempfile
        line = b"I think Tom is very happy.\n"
        with tempfile.TemporaryDirectory() as directory:
            titles = {}
            for extra in ([], ["--piece-level"]):
                svg, html, csv = (os.path.join(directory, f"{len(extra)}.{x}") for x in ("svg", "html", "csv"))
                run_rnnsearch(["-m", self.SUBWORD, "-b", "1", "--ig-steps", "2", self.METHODS, "-a", "--heatmap",
                               svg, "--html", html, "--align-csv", csv] + extra, line)
                with open(svg, encoding="utf-8") as f:
                    titles[len(extra)] = f.read()
                with open(html, encoding="utf-8") as f:
                    self.assertIn("Integrated gradients", f.read())
            self.assertNotIn(", saliency: ", titles[0])
            self.assertIn(", saliency: ", titles[1])
        obj = jsonl(["-m", self.SUBWORD, "-b", "1", "--ig-steps", "2", self.METHODS, "--format", "jsonl"],
                    line.decode())[0]
        h = obj["hypotheses"][0]
        self.assertEqual((len(h["ig"]), len(h["ig"][0])), (len(h["attention"]), len(obj["source"])))

    def test_split_line_joined(self):
        """A line split into sentences: each method's rows and rho are the sentences' own, joined."""
        args = ["-m", self.WORDS, "-b", "1", "--ig-steps", "4", "--format", "jsonl", "--word-scores",
                "--explain=occlusion,saliency,ig"]
        joined = jsonl(args, "Das Haus ist klein. Der Hund ist alt.\n")[0]["hypotheses"][0]
        apart = [obj["hypotheses"][0] for obj in jsonl(args, "Das Haus ist klein.\nDer Hund ist alt.\n")]
        first = len(apart[0]["tokens"])  # the first sentence's eos is not kept
        for method in ("occlusion", "saliency", "ig"):
            self.assertEqual(len(joined[method]), first + len(apart[1][method]))
            self.assertEqual(joined["rank_correlations"][method][:first], apart[0]["rank_correlations"][method][:first])
            self.assertEqual(joined["rank_correlations"][method][first:], apart[1]["rank_correlations"][method])
        self.assertEqual(joined["output_entropy"], apart[0]["output_entropy"][:first] + apart[1]["output_entropy"])
        self.assertEqual(joined["word_scores"], apart[0]["word_scores"][:first] + apart[1]["word_scores"])
        # the joined score is the sentences' scores summed: it also counts the first sentence's eos
        self.assertAlmostEqual(sum(joined["word_scores"]) + apart[0]["word_scores"][-1], joined["score"], delta=1e-4)


if __name__ == "__main__":
    unittest.main()
