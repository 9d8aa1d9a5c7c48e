"""The interpretability options of ./rnnsearch on the fixture models: --heatmap (SVG files), the terminal
matrix of -a (--color, shade blocks, ANSI colours, through a pseudo-terminal), --replace-unk, --stats (entropy,
coverage) and --explain (occlusion importance checked against PyTorch, Spearman's rho against scipy), and that
JSON Lines output only gains fields. Skipped when ./rnnsearch is not built."""
import json
import math
import os
import pty
import re
import select
import shlex
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(HERE, "fixtures")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from clitools import BINARY, timeout  # noqa: E402  (the build under test: make check-asan sets RNNSEARCH_BIN)

SVG = "{http://www.w3.org/2000/svg}"
BLOCKS = " \u2591\u2592\u2593\u2588"
NEW_FIELDS = {"entropy", "coverage", "occlusion", "rank_correlation", "mean_rank_correlation"}


def fixture(name):
    return os.path.join(FIXTURES, name)


def wrapper():
    return shlex.split(os.environ.get("RNNSEARCH_TEST_WRAPPER", ""))


def child_env(**variables):
    env = {k: v for k, v in os.environ.items() if k not in ("RNNSEARCH_MODEL", "NO_COLOR")}
    for key, value in variables.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def rnnsearch(args, stdin=b"", env=None):
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    return subprocess.run(wrapper() + [BINARY] + list(args), input=stdin, capture_output=True,
                          env=env or child_env(), timeout=timeout())


def on_terminal(args, stdin, env):
    """Runs rnnsearch with standard output on a pseudo-terminal; returns (exit status, output text with the
    terminal's CRLF turned back into LF)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(wrapper() + [BINARY] + list(args), stdin=subprocess.PIPE, stdout=slave,
                               stderr=subprocess.PIPE, env=env)
    os.close(slave)
    process.stdin.write(stdin.encode("utf-8"))
    process.stdin.close()
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            process.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    status = process.wait(timeout=timeout())
    process.stderr.close()
    return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def jsonl(result):
    return [json.loads(line) for line in result.stdout.decode("utf-8").split("\n")[:-1]]


COMMON = fixture("common.in")
with open(COMMON, encoding="utf-8") as _f:
    COMMON_LINES = _f.read().split("\n")[:-1]


class Base(unittest.TestCase):
    def ok(self, args, stdin=b"", env=None):
        result = rnnsearch(args, stdin, env)
        self.assertEqual(result.returncode, 0,
                         f"rnnsearch {shlex.join(args)}: {result.stderr.decode('utf-8', 'replace')}")
        return result


def titles(path):
    """The panel titles of an SVG document (bold text), as the reader sees them."""
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(SVG + "text") if t.get("font-weight") == "bold"]


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class HeatmapTest(Base):
    MODEL = fixture("bi2_additive.json")
    INPUT = "ein hund läuft\n\ndie frau sieht den ball\nkatze\n"

    def translations(self, *extra):
        return self.ok(["-m", self.MODEL, "--max-length", "10"] + list(extra), self.INPUT).stdout.decode().split("\n")

    def test_stacked_document(self):
        lines = self.translations("-b", "1")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "all.svg")
            result = self.ok(["-m", self.MODEL, "--max-length", "10", "-b", "1", "--heatmap", path], self.INPUT)
            self.assertEqual(result.stdout.decode().split("\n"), lines, "stdout changed by --heatmap")
            self.assertEqual(titles(path), [f"0: {lines[0]}", f"2: {lines[2]}", f"3: {lines[3]}"])
            root = ET.parse(path).getroot()
            self.assertEqual(root.tag, SVG + "svg")
            self.assertGreater(float(root.get("height")), 100)

    def test_one_file_per_line(self):
        lines = self.translations("-b", "1")
        with tempfile.TemporaryDirectory() as tmp:
            self.ok(["-m", self.MODEL, "--max-length", "10", "-b", "1", "--heatmap",
                     os.path.join(tmp, "line-{id}.svg")], self.INPUT)
            # the empty line 1 gets no file
            self.assertEqual(sorted(os.listdir(tmp)), ["line-0.svg", "line-2.svg", "line-3.svg"])
            for i in (0, 2, 3):
                self.assertEqual(titles(os.path.join(tmp, f"line-{i}.svg")), [f"{i}: {lines[i]}"])

    def test_unused_first_file_is_removed(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.ok(["-m", self.MODEL, "--heatmap", os.path.join(tmp, "{id}.svg")], "\nkatze\n")
            self.assertEqual(os.listdir(tmp), ["1.svg"])
            self.ok(["-m", self.MODEL, "--heatmap", os.path.join(tmp, "x{id}.svg")], "")
            self.assertEqual(os.listdir(tmp), ["1.svg"])

    def test_n_best(self):
        nbest = {}
        for line in self.translations("-b", "3", "-n", "2")[:-1]:
            number, text, _, _ = line.split(" ||| ")
            nbest.setdefault(int(number), []).append(text)
        with tempfile.TemporaryDirectory() as tmp:
            self.ok(["-m", self.MODEL, "--max-length", "10", "-b", "3", "-n", "2", "--heatmap",
                     os.path.join(tmp, "{id}-{hyp}.svg")], self.INPUT)
            self.assertEqual(sorted(os.listdir(tmp)),
                             ["0-0.svg", "0-1.svg", "2-0.svg", "2-1.svg", "3-0.svg", "3-1.svg"])
            self.assertEqual(titles(os.path.join(tmp, "2-1.svg")), [f"2, hypothesis 1: {nbest[2][1]}"])
            # without {hyp}: a line's hypotheses stacked in its file
            self.ok(["-m", self.MODEL, "--max-length", "10", "-b", "3", "-n", "2", "--heatmap",
                     os.path.join(tmp, "s{id}.svg")], self.INPUT)
            self.assertEqual(titles(os.path.join(tmp, "s3.svg")),
                             [f"3, hypothesis 0: {nbest[3][0]}", f"3, hypothesis 1: {nbest[3][1]}"])

    def test_forced(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "f.svg")
            self.ok(["-m", self.MODEL, "--forced", "--heatmap", path], "ein hund\tthe dog zorblax\n")
            self.assertEqual(titles(path), ["0: the dog zorblax"])
            labels = ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(SVG + "text")]
            for token in ("the", "dog", "zorblax", "</s>", "ein", "hund"):
                self.assertIn(token, labels)

    def test_errors_before_decoding(self):
        for pattern in ("/nonexistent-dir/all.svg", "/nonexistent-dir/{id}.svg"):
            with self.subTest(pattern=pattern):
                result = rnnsearch(["-m", self.MODEL, "--heatmap", pattern], "ein hund\n")
                self.assertEqual(result.returncode, 2)
                shown = pattern.replace("{id}", "0")
                self.assertEqual(result.stderr.decode(),
                                 f"rnnsearch: cannot create {shown}: No such file or directory\n")
                self.assertEqual(result.stdout, b"")
        for args in (["--heatmap", "{hyp}.svg"], ["--heatmap", ""], ["--heatmap", "-"],
                     ["--check", "x.tsv", "--heatmap", "h.svg"]):
            with self.subTest(args=args):
                result = rnnsearch(["-m", self.MODEL] + args, "ein hund\n")
                self.assertEqual(result.returncode, 2)
                self.assertTrue(result.stderr.startswith(b"rnnsearch: "), result.stderr)


def viridis_cube(weight):
    """The xterm-256 background of a weight, computed independently of the C code: viridis between ten samples,
    rounded to the 6x6x6 cube."""
    samples = [0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725]
    x = min(max(weight, 0.0), 1.0) * 9.0
    low = min(int(x), 8)
    t = x - low
    a, b = samples[low], samples[low + 1]
    rgb = [math.floor(((a >> s) & 255) + (((b >> s) & 255) - ((a >> s) & 255)) * t + 0.5) for s in (16, 8, 0)]
    if low == 8 and t == 1.0:
        rgb = [0xfd, 0xe7, 0x25]
    levels = [0 if c < 48 else 1 if c < 115 else (c - 35) // 40 for c in rgb]
    return 16 + 36 * levels[0] + 6 * levels[1] + levels[2]


def block(weight):
    return BLOCKS[min(max(int(math.floor(4 * weight + 0.5)), 0), 4)]


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class TerminalMatrixTest(Base):
    MODEL = fixture("bi2_additive.json")
    LINE = "ein hund läuft\n"

    def attention(self):
        out = jsonl(self.ok(["-m", self.MODEL, "-b", "1", "--format", "jsonl", "-a"], self.LINE))[0]
        return out["source"], out["hypotheses"][0]

    def test_plain_when_not_a_terminal(self):
        source, hyp = self.attention()
        base = self.ok(["-m", self.MODEL, "-b", "1", "-a"], self.LINE).stdout.decode()
        for extra in (["--color", "auto"], ["--color", "never"]):
            self.assertEqual(self.ok(["-m", self.MODEL, "-b", "1", "-a"] + extra, self.LINE).stdout.decode(), base)
        lines = base.split("\n")
        self.assertEqual(lines[1].split("|")[1].split(), source)
        row = [float(v) for v in lines[2].split("|")[1].split()]
        self.assertEqual(row, [float(f"{100 * w:.0f}") for w in hyp["attention"][0]])
        self.assertNotIn("\x1b", base)

    def check_colour_matrix(self, text, source, hyp):
        self.assertIn("\x1b[0m", text)
        rows = [line for line in text.split("\n") if "\u2502" in line][1:]  # without the header
        self.assertEqual(len(rows), len(hyp["attention"]))
        for line, weights in zip(rows, hyp["attention"]):
            cells = re.findall(r"\x1b\[48;5;(\d+)m\x1b\[38;5;(\d+)m *(\d+)\x1b\[0m", line)
            self.assertEqual(len(cells), len(source), line)
            for (background, foreground, number), w in zip(cells, weights):
                self.assertEqual(int(background), viridis_cube(w))
                self.assertIn(int(foreground), (16, 231))
                self.assertEqual(int(number), int(f"{100 * w:.0f}"))

    def check_block_matrix(self, text, source, hyp):
        self.assertNotIn("\x1b", text)
        lines = text.split("\n")
        header = lines[1].split("\u2502")[1].split()
        self.assertEqual(header, source)
        targets = hyp["tokens"] + ["</s>"]
        for t, weights in enumerate(hyp["attention"]):
            label, cells = lines[2 + t].split(" \u2502 ")
            self.assertEqual(label.strip(), targets[t])
            # every cell is its shade repeated over the width of its column (at least 3), one space between
            expected = " ".join(block(w) * max(3, len(s)) for w, s in zip(weights, source))
            self.assertEqual(cells, expected)
        self.assertIn("\u2588 >=88%", text)

    def test_color_always(self):
        source, hyp = self.attention()
        text = self.ok(["-m", self.MODEL, "-b", "1", "-a", "--color", "always"], self.LINE).stdout.decode()
        self.check_colour_matrix(text, source, hyp)
        self.assertEqual(text.split("\n")[0], " ".join(hyp["tokens"]))

    def test_terminal(self):
        source, hyp = self.attention()
        args = ["-m", self.MODEL, "-b", "1", "-a"]
        cases = [
            ({"TERM": "xterm-256color"}, [], "colour"),
            ({"TERM": "xterm-256color", "NO_COLOR": "1"}, [], "blocks"),
            ({"TERM": "xterm-256color", "NO_COLOR": ""}, [], "colour"),  # no-color.org: empty means unset
            ({"TERM": "dumb"}, [], "blocks"),
            ({"TERM": None}, [], "blocks"),
            ({"TERM": "xterm-256color"}, ["--color", "never"], "blocks"),
            ({"TERM": "dumb", "NO_COLOR": "1"}, ["--color", "always"], "colour"),
        ]
        for variables, extra, kind in cases:
            with self.subTest(env=variables, extra=extra):
                status, text = on_terminal(args + extra, self.LINE, child_env(**variables))
                self.assertEqual(status, 0)
                self.assertEqual(text.split("\n")[0], " ".join(hyp["tokens"]))
                if kind == "colour":
                    self.check_colour_matrix(text, source, hyp)
                else:
                    self.check_block_matrix(text, source, hyp)

    def test_bad_color_value(self):
        result = rnnsearch(["-m", self.MODEL, "--color", "sometimes"], "")
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"--color", result.stderr)


def top_token(source, row, first, count):
    """Index of the tokenizer token (bos/eos excluded) with the largest weight, the lowest on a tie."""
    best = first
    for j in range(first + 1, first + count):
        if row[j] > row[best]:
            best = j
    return best


def token_span(model_doc, source):
    first = 1 if model_doc["source"].get("add_bos", False) else 0
    last = len(source) - (1 if model_doc["source"].get("add_eos", True) else 0)
    return first, last - first


def load_doc(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class ReplaceUnkTest(Base):
    MODEL = fixture("uni_copy_dot.json")  # emits <unk> on common.in
    ARGS = ["-m", MODEL, "-b", "1", "--max-length", "10"]

    def test_replaced_by_most_attended_source_token(self):
        doc = load_doc(self.MODEL)
        plain = jsonl(self.ok(self.ARGS + ["--format", "jsonl", "-a", COMMON]))
        replaced = jsonl(self.ok(self.ARGS + ["--format", "jsonl", "-a", "--replace-unk", COMMON]))
        text = self.ok(self.ARGS + ["--replace-unk", COMMON]).stdout.decode().split("\n")[:-1]
        csv = self.ok(self.ARGS + ["--replace-unk", "--align-csv", "-", COMMON]).stdout.decode().split("\r\n")[1:-1]
        csv_tokens = {}
        for row in csv:
            fields = row.split(",")
            csv_tokens[(int(fields[0]), int(fields[2]))] = fields[3]
        unks = 0
        for a, b in zip(plain, replaced):
            hyp_a, hyp_b = a["hypotheses"][0], b["hypotheses"][0]
            self.assertEqual(hyp_a["attention"], hyp_b["attention"])
            self.assertEqual(hyp_a["score"], hyp_b["score"])
            first, count = token_span(doc, a["source"])
            expected = []
            for t, token in enumerate(hyp_a["tokens"]):
                if token == "<unk>":
                    unks += 1
                    token = a["source"][top_token(a["source"], hyp_a["attention"][t], first, count)]
                expected.append(token)
            self.assertEqual(hyp_b["tokens"], expected)
            self.assertEqual(hyp_b["text"], " ".join(expected))
            self.assertEqual(text[a["id"]], hyp_b["text"])
            for t, token in enumerate(expected):
                self.assertEqual(csv_tokens[(a["id"], t)], token)
        self.assertGreater(unks, 3, "the fixture should emit <unk>")

    def test_unknown_source_words_are_copied_as_written(self):
        # a model that always emits unk: every output token is copied from the source
        import torch
        from model import V1Model, save_v1
        m = V1Model(fixture("bi2_additive.json"))
        with torch.no_grad():
            m.model.output.bias[m.tgt_unk] = 100.0
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "unk.json")
            save_v1(path, m.model, m.src_vocab, m.tgt_vocab, add_bos=m.add_bos, add_eos=m.add_eos, dtype="f32")
            out = self.ok(["-m", path, "-b", "1", "--max-length", "4", "--replace-unk"], "Zorp Zorp\n").stdout
            self.assertEqual(out.decode(), "Zorp Zorp Zorp Zorp\n")
            out = self.ok(["-m", path, "-b", "1", "--max-length", "4"], "Zorp Zorp\n").stdout
            self.assertEqual(out.decode(), "<unk> <unk> <unk> <unk>\n")
            # beam search too, every printed hypothesis
            out = self.ok(["-m", path, "-b", "2", "-n", "2", "--max-length", "3", "--replace-unk"], "Zorp\n").stdout
            for line in out.decode().split("\n")[:-1]:
                self.assertNotIn("<unk>", line)

    def test_forced_target_shown_as_written(self):
        out = self.ok(["-m", self.MODEL, "--forced", "--replace-unk"], "ein hund\tzorblax dog\n").stdout
        self.assertRegex(out.decode(), r"^zorblax dog \|\|\| -\d+\.\d{6}\n$")


def entropy(row):
    return -sum(w * math.log(w) for w in row if w > 0)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class StatsTest(Base):
    def test_entropy_and_coverage(self):
        for name in ("bi2_additive.json", "tokenizer_bos.json"):
            model = fixture(name)
            source = COMMON if name != "tokenizer_bos.json" else fixture("tokenizer.in")
            for beam in (["-b", "1"], ["-b", "3", "-n", "2"]):
                with self.subTest(model=name, beam=beam):
                    lines = jsonl(self.ok(["-m", model, "--max-length", "10", "--format", "jsonl", "-a", "--stats",
                                           source] + beam))
                    for line in lines:
                        for hyp in line["hypotheses"]:
                            attention = hyp["attention"]
                            self.assertEqual(len(hyp["entropy"]), len(attention))
                            self.assertEqual(len(hyp["coverage"]), len(line["source"]))
                            for row, h in zip(attention, hyp["entropy"]):
                                self.assertAlmostEqual(h, entropy(row), delta=1e-5)
                                self.assertLessEqual(h, math.log(len(row)) + 1e-6)
                            for j, c in enumerate(hyp["coverage"]):
                                self.assertAlmostEqual(c, sum(row[j] for row in attention), delta=1e-5)
                            self.assertAlmostEqual(sum(hyp["coverage"]), len(attention), delta=1e-4)

    def test_text(self):
        model = fixture("bi2_additive.json")
        out = self.ok(["-m", model, "-b", "1", "--stats"], "ein hund läuft\n").stdout.decode().split("\n")
        data = jsonl(self.ok(["-m", model, "-b", "1", "--stats", "--format", "jsonl"], "ein hund läuft\n"))[0]
        hyp = data["hypotheses"][0]
        self.assertEqual(len(hyp["entropy"]), len(hyp["tokens"]) + 1)
        self.assertEqual(out[1], "entropy " + " ".join(
            f"{t}={h:.3f}" for t, h in zip(hyp["tokens"] + ["</s>"], hyp["entropy"])))
        self.assertEqual(out[2], "coverage " + " ".join(
            f"{s}={c:.3f}" for s, c in zip(data["source"], hyp["coverage"])))
        self.assertEqual(out[3], "")
        self.assertNotIn("attention", hyp)  # --stats alone does not add the attention field


def word_groups(source, first, count):
    """--occlusion-unit word's units: the positions of each word (a piece starting with U+2581 starts one; in a
    model without such pieces every token is a word)."""
    tokens = source[first:first + count]
    pieces = any(t.startswith("\u2581") for t in tokens)
    groups = []
    for j, t in enumerate(tokens, start=first):
        if not groups or not pieces or t.startswith("\u2581"):
            groups.append([])
        groups[-1].append(j)
    return groups


def pytorch_occlusion(v1, source_ids, target_ids, first, count, groups=None):
    """Importance [steps][positions] by PyTorch: log p(y_t) of the source minus that of the source with each
    tokenizer token replaced by unk (bos/eos positions 0); with groups (lists of positions), each group
    replaced together, its tokens sharing the drop equally."""
    import torch
    groups = groups or [[j] for j in range(first, first + count)]
    variants = [list(source_ids)]
    for group in groups:
        ids = list(source_ids)
        for j in group:
            ids[j] = v1.src_unk
        variants.append(ids)
    src = torch.tensor(variants, dtype=torch.long)
    lens = torch.full((len(variants),), len(source_ids), dtype=torch.long)
    with torch.no_grad():
        enc_out, mask, state, keys = v1.model.encode(src, lens)
        prev = torch.full((len(variants),), v1.tgt_bos, dtype=torch.long)
        logp = []
        for y in target_ids:
            logits, state, _ = v1.model.step(prev, state, enc_out, keys, mask)
            logp.append(torch.log_softmax(logits.double(), dim=1)[:, y])
            prev = torch.full((len(variants),), y, dtype=torch.long)
    logp = torch.stack(logp, dim=1).numpy()  # [variants, steps]
    result = np.zeros((len(target_ids), len(source_ids)))
    for v, group in enumerate(groups, start=1):
        for j in group:
            result[:, j] = (logp[0] - logp[v]) / len(group)
    return result


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class ExplainTest(Base):
    def check_against_pytorch(self, name, lines, extra, forced_targets=None, word_unit=False):
        from model import V1Model
        from scipy.stats import spearmanr
        path = fixture(name)
        v1 = V1Model(path)
        doc = v1.doc
        result = self.ok(["-m", path, "--max-length", "10", "--format", "jsonl", "-a", "--explain"] + extra,
                         "".join(line + "\n" for line in lines))
        outputs = jsonl(result)
        self.assertEqual(len(outputs), len(lines))
        checked = 0
        for out in outputs:
            if not out["source"]:
                self.assertEqual(out["hypotheses"][0]["occlusion"], [])
                self.assertIsNone(out["hypotheses"][0]["mean_rank_correlation"])
                continue
            first, count = token_span(doc, out["source"])
            source_ids = [v1.src_index.get(w, v1.src_unk) for w in out["source"]]
            for k, hyp in enumerate(out["hypotheses"]):
                attention = np.array(hyp["attention"])
                occlusion = np.array(hyp["occlusion"])
                self.assertEqual(occlusion.shape, attention.shape)
                words = forced_targets[out["id"]] if forced_targets else hyp["tokens"]
                target_ids = [v1.tgt_index.get(w, v1.tgt_unk) for w in words]
                if len(attention) == len(words) + 1:
                    target_ids.append(v1.tgt_eos)
                groups = word_groups(out["source"], first, count) if word_unit else None
                expected = pytorch_occlusion(v1, source_ids, target_ids, first, count, groups)
                # float32 on both sides, through up to 10 recurrent steps: up to 5e-4 apart has been seen
                np.testing.assert_allclose(occlusion, expected, atol=1e-3, rtol=1e-3,
                                           err_msg=f"{name} line {out['id']} hypothesis {k}")
                # bos/eos columns are not occluded
                for j in range(len(out["source"])):
                    if not first <= j < first + count:
                        self.assertTrue((occlusion[:, j] == 0).all())
                rhos = hyp["rank_correlation"]
                self.assertEqual(len(rhos), len(attention))
                for t in range(len(attention)):
                    a, o = attention[t, first:first + count], occlusion[t, first:first + count]
                    if count < 2 or len(set(a)) == 1 or len(set(o)) == 1:
                        self.assertIsNone(rhos[t])
                    else:
                        self.assertAlmostEqual(rhos[t], spearmanr(a, o).correlation, delta=1e-9)
                defined = [r for r in rhos if r is not None]
                if defined:
                    self.assertAlmostEqual(hyp["mean_rank_correlation"], sum(defined) / len(defined), delta=1e-9)
                else:
                    self.assertIsNone(hyp["mean_rank_correlation"])
                checked += 1
        self.assertGreater(checked, 0)

    def test_greedy_against_pytorch(self):
        for name in ("bi2_additive.json", "general_ctx_state.json", "scaled_zeros_dec2.json", "uni_copy_dot.json"):
            with self.subTest(model=name):
                self.check_against_pytorch(name, COMMON_LINES, ["-b", "1"])

    def test_bos_model_against_pytorch(self):
        with open(fixture("tokenizer.in"), encoding="utf-8") as f:
            lines = f.read().split("\n")[:-1]
        # the reference translates "¿Qué? ¡Sí!" as one sentence (splitting is tested in test_words.py)
        self.check_against_pytorch("tokenizer_bos.json", lines, ["-b", "1", "--no-split-sentences"])

    def test_word_occlusion_against_pytorch(self):
        """--occlusion-unit word hides each word's pieces together; in a word-level model it changes nothing."""
        with open(fixture("subword.in"), encoding="utf-8") as f:
            lines = f.read().split("\n")[:-1]
        self.check_against_pytorch("subword.json", lines, ["-b", "1", "--occlusion-unit", "word"], word_unit=True)
        self.check_against_pytorch("subword.json", lines, ["-b", "1", "--occlusion-unit", "piece"])
        doc = load_doc(fixture("subword.json"))
        out = jsonl(self.ok(["-m", fixture("subword.json"), "-b", "1", "--format", "jsonl", "--explain",
                             "--occlusion-unit", "word"], "".join(line + "\n" for line in lines).encode()))
        self.assertTrue(any(len(g) > 1 for o in out for g in word_groups(o["source"], *token_span(doc, o["source"]))),
                        "no word of several pieces: the test would test nothing")
        path, text = fixture("bi2_additive.json"), "".join(line + "\n" for line in COMMON_LINES).encode()
        self.assertEqual(self.ok(["-m", path, "-b", "1", "--explain=occlusion", "--format", "jsonl"], text).stdout,
                         self.ok(["-m", path, "-b", "1", "--explain=occlusion", "--format", "jsonl",
                                  "--occlusion-unit", "word"], text).stdout)

    def test_n_best_against_pytorch(self):
        self.check_against_pytorch("bi2_additive.json", COMMON_LINES[:6], ["-b", "4", "-n", "3"])

    def test_forced_against_pytorch(self):
        pairs = [("ein hund läuft", "dog zorblax runs"), ("", ""), ("die frau sieht den ball", "the woman")]
        lines = [f"{s}\t{t}" if s else "" for s, t in pairs]
        self.check_against_pytorch("bi2_additive.json", lines, ["--forced"],
                                   forced_targets={i: t.split() for i, (s, t) in enumerate(pairs)})

    def test_long_line_in_several_chunks(self):
        # more source words than one decoder batch of the explainer (64 rows)
        words = "der mann die frau sieht den hund ball im park und das kind spielt".split()
        line = " ".join(words[i % len(words)] for i in range(75))
        self.check_against_pytorch("bi2_additive.json", [line], ["-b", "1", "--max-length", "6"])

    def test_text_table(self):
        model = fixture("bi2_additive.json")
        line = "die frau sieht den ball\n"  # ends at the length limit, without eos
        out = self.ok(["-m", model, "-b", "1", "--explain"], line).stdout.decode().split("\n")
        data = jsonl(self.ok(["-m", model, "-b", "1", "--explain", "--format", "jsonl", "-a"], line))[0]
        hyp = data["hypotheses"][0]
        self.assertEqual(out[0], hyp["text"])
        self.assertEqual([c.strip() for c in out[1].split("|")], ["target", "attention", "occlusion", "rho"])
        first, count = token_span(load_doc(model), data["source"])
        targets = hyp["tokens"] + ["</s>"] * (len(hyp["attention"]) - len(hyp["tokens"]))
        for t, row in enumerate(out[2:2 + len(targets)]):
            cells = [c.strip() for c in row.split("|")]
            a = top_token(data["source"], hyp["attention"][t], first, count)
            o = top_token(data["source"], hyp["occlusion"][t], first, count)
            rho = hyp["rank_correlation"][t]
            self.assertEqual(cells, [targets[t], f"{data['source'][a]} {hyp['attention'][t][a]:.3f}",
                                     f"{data['source'][o]} {hyp['occlusion'][t][o]:.3f}",
                                     "-" if rho is None else f"{rho:.3f}"])
        mean = hyp["mean_rank_correlation"]
        self.assertEqual(out[2 + len(targets)], "mean rho " + ("-" if mean is None else f"{mean:.3f}"))
        self.assertEqual(out[3 + len(targets)], "")


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class CompatibilityTest(Base):
    def test_jsonl_only_gains_fields(self):
        model = fixture("bi2_additive.json")
        for extra in (["-b", "1"], ["-b", "3", "-n", "2"]):
            with self.subTest(extra=extra):
                base = jsonl(self.ok(["-m", model, "--max-length", "10", "--format", "jsonl", "-a", COMMON] + extra))
                more = jsonl(self.ok(["-m", model, "--max-length", "10", "--format", "jsonl", "-a", "--stats",
                                      "--explain", "--color", "always", COMMON] + extra))
                for a, b in zip(base, more):
                    self.assertEqual(a.keys(), b.keys())
                    for ha, hb in zip(a["hypotheses"], b["hypotheses"]):
                        self.assertEqual(set(hb) - set(ha), NEW_FIELDS)
                        self.assertEqual(ha, {k: v for k, v in hb.items() if k not in NEW_FIELDS})

    def test_documented(self):
        with open(os.path.join(ROOT, "src", "cli", "rnnsearch.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        help_text = self.ok(["--help"]).stdout.decode()
        for option in ("--heatmap", "--color", "--replace-unk", "--stats", "--explain"):
            self.assertIn(option, man)
            self.assertIn(option, help_text)
        for field in NEW_FIELDS:
            self.assertIn(field, man)

    def test_check_rejects_per_line_extras(self):
        model = fixture("bi2_additive.json")
        with tempfile.TemporaryDirectory() as tmp:
            check = os.path.join(tmp, "c.tsv")
            with open(check, "w", encoding="utf-8") as f:
                f.write("ein hund\tx\n")
            for option in ("--stats", "--explain"):
                result = rnnsearch(["-m", model, "--check", check, option])
                self.assertEqual(result.returncode, 2, option)
            # --replace-unk is a text transformation: --check compares the replaced text
            args = ["-m", fixture("uni_copy_dot.json"), "-b", "1", "--max-length", "10"]
            expected = self.ok(args + ["--replace-unk", COMMON]).stdout.decode().split("\n")[:-1]
            self.assertTrue(any("<unk>" in line for line in self.ok(args + [COMMON]).stdout.decode().split("\n")))
            with open(check, "w", encoding="utf-8") as f:
                f.writelines(f"{s}\t{e}\n" for s, e in zip(COMMON_LINES, expected) if "\t" not in s)
            result = rnnsearch(args + ["--check", check, "--replace-unk"])
            self.assertEqual(result.returncode, 0, result.stdout.decode())
            self.assertEqual(rnnsearch(args + ["--check", check]).returncode, 1)


if __name__ == "__main__":
    unittest.main()
