"""Word-level views of subword attention and several sentences on one line (README.md "Words and pieces" and
"Several sentences on one line"), from the outside.

Words: a hand-made model whose vocabularies hold SentencePiece-style pieces (U+2581 starts a word), fed
pre-segmented text, so the grouping is tested without any segmentation model. Sentences: the bundled deu-eng
model (each sentence of a line is translated as it would be alone) and the tiny fixtures."""
import csv
import io
import html
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tinymodel  # noqa: E402
from clitools import BINARY, ROOT, describe, fixture, run, without_length_limit_warning  # noqa: E402

MARK = "\u2581"
DEU_ENG = os.path.join(ROOT, "models", "deu-eng.json")
PIECES_LINE = "▁Sch lüssel ▁im ▁Bü ro . ▁Der ▁Hund"
FORCED_TARGET = "▁The ▁key s ▁in ▁the ▁office ."


def group(tokens, first, end):
    """The README's grouping: word index of each token; tokens outside [first, end) are words of their own."""
    word_of, words = [], -1
    for i, token in enumerate(tokens):
        if i == first or not (first < i < end) or token.startswith(MARK):
            words += 1
        word_of.append(words)
    return word_of


def word_strings(tokens, word_of):
    words = []
    for token, w in zip(tokens, word_of):
        if w == len(words):
            words.append(token[1:] if token.startswith(MARK) else token)
        else:
            words[w] += token
    return words


def fold(attention, source_word_of, target_word_of):
    """Word-level rows: the mean over a target word's pieces of the sums over each source word's pieces."""
    rows = []
    for u in range(max(target_word_of) + 1):
        steps = [t for t, w in enumerate(target_word_of) if w == u]
        row = [0.0] * (max(source_word_of) + 1)
        for t in steps:
            for j, weight in enumerate(attention[t]):
                row[source_word_of[j]] += weight
        rows.append([x / len(steps) for x in row])
    return rows


def pharaoh(rows, first, words):
    """Argmax links (first on a tie) among the tokenizer's words, bos/eos words left unaligned."""
    links = []
    for t, row in enumerate(rows):
        best = max(range(len(row)), key=lambda j: (row[j], -j))
        if first <= best < first + words:
            links.append(f"{best - first}-{t}")
    return " ".join(links)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class WordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rnnsearch-words-")
        src = ["▁Sch", "lüssel", "▁im", "▁Bü", "ro", ".", "▁Der", "▁Hund", "▁Peter"]
        tgt = ["▁The", "▁key", "s", "▁in", "▁the", "▁office", ".", "▁dog"]
        cls.model = os.path.join(cls.dir, "pieces.json")
        tinymodel.write(cls.model, tinymodel.build(src_words=src, tgt_words=tgt, add_bos=True, seed=5))
        # a model that emits only unk (its output bias favours id 0), to test --replace-unk
        for name, words, tokenizer in (("unk_pieces.json", (src, tgt), {}),
                                       ("unk_words.json", (["ein", "hund", "peter"], ["a", "dog"]),
                                        {"lowercase": True, "split_punctuation": True})):
            doc = tinymodel.build(src_words=words[0], tgt_words=words[1], seed=3, tokenizer=tokenizer)
            bias = doc["tensors"]["output.bias"]
            bias.pop("base64", None)
            bias.pop("dtype", None)
            bias["data"] = [100.0] + [0.0] * (bias["shape"][0] - 1)
            tinymodel.write(os.path.join(cls.dir, name), doc)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def ok(self, args, stdin):
        result = run(args, stdin)
        self.assertEqual((result.returncode, without_length_limit_warning(result.stderr)), (0, b""),
                         describe(args, result))
        return result.stdout.decode("utf-8")

    def jsonl(self, args, stdin):
        return [json.loads(line) for line in self.ok(["--format", "jsonl"] + args, stdin).splitlines()]

    def check_record(self, obj):
        source = obj["source"]
        word_of = group(source, 1, len(source) - 1)  # bos added, eos added
        self.assertEqual(obj["source_word_of_piece"], word_of)
        self.assertEqual(obj["source_words"], word_strings(source, word_of))
        for h in obj["hypotheses"]:
            target_word_of = group(h["tokens"], 0, len(h["tokens"]))
            self.assertEqual(h["target_word_of_piece"], target_word_of)
            self.assertEqual(h["target_words"], word_strings(h["tokens"], target_word_of))
            steps = list(target_word_of)
            if len(h["attention"]) > len(h["tokens"]):  # eos: a word of its own
                steps.append(max(target_word_of, default=-1) + 1)
            expected = fold(h["attention"], word_of, steps)
            self.assertEqual(len(h["word_attention"]), len(expected))
            for got_row, want_row in zip(h["word_attention"], expected):
                self.assertAlmostEqual(sum(got_row), 1.0, delta=1e-5)
                for g, w in zip(got_row, want_row):
                    self.assertAlmostEqual(g, w, delta=1e-6)
            self.assertEqual(h["alignment"], pharaoh(h["word_attention"][:len(h["target_words"])], 1,
                                                     len(obj["source_words"]) - 2))

    def test_jsonl_states_the_grouping_and_word_attention(self):
        for beam in ("1", "3"):
            with self.subTest(beam=beam):
                objs = self.jsonl(["-m", self.model, "-b", beam, "-n", beam, "-a", "--alignments",
                                   "--max-length", "6"], PIECES_LINE + "\n▁Hund\n")
                self.assertEqual(objs[0]["source_words"], ["<s>", "Schlüssel", "im", "Büro.", "Der", "Hund", "</s>"])
                for obj in objs:
                    self.check_record(obj)

    def test_forced_target_pieces_group_into_words(self):
        obj = self.jsonl(["-m", self.model, "--forced", "-a", "--alignments"], f"{PIECES_LINE}\t{FORCED_TARGET}\n")[0]
        h = obj["hypotheses"][0]
        self.assertEqual(h["target_words"], ["The", "keys", "in", "the", "office."])
        self.assertEqual(h["target_word_of_piece"], [0, 1, 1, 2, 3, 4, 4])
        self.check_record(obj)
        # text output: the same word-level links, after the forced target's score
        text = self.ok(["-m", self.model, "--forced", "--alignments"], f"{PIECES_LINE}\t{FORCED_TARGET}\n")
        self.assertEqual(text, f"{FORCED_TARGET} ||| {h['score']:.6f} ||| {h['alignment']}\n")

    def test_csv_word_columns(self):
        obj = self.jsonl(["-m", self.model, "--forced", "-a"], f"{PIECES_LINE}\t{FORCED_TARGET}\n")[0]
        out = self.ok(["-m", self.model, "--forced", "--align-csv", "-"], f"{PIECES_LINE}\t{FORCED_TARGET}\n")
        rows = list(csv.reader(io.StringIO(out, newline="")))
        self.assertEqual(rows[0], ["id", "hypothesis", "target_index", "target_token", "source_index",
                                   "source_token", "weight", "target_word_index", "source_word_index"])
        h = obj["hypotheses"][0]
        steps = h["target_word_of_piece"] + [len(h["target_words"])]
        self.assertEqual(len(rows) - 1, len(steps) * len(obj["source"]))
        for row in rows[1:]:
            t, j = int(row[2]), int(row[4])
            self.assertEqual((int(row[7]), int(row[8])), (steps[t], obj["source_word_of_piece"][j]))

    def test_matrix_and_heatmap_show_words_unless_piece_level(self):
        line = f"{PIECES_LINE}\t{FORCED_TARGET}\n"
        words = self.ok(["-m", self.model, "--forced", "-a"], line).splitlines()
        self.assertEqual(words[1].split("|")[1].split(), ["<s>", "Schlüssel", "im", "Büro.", "Der", "Hund", "</s>"])
        self.assertEqual([row.split("|")[0].strip() for row in words[2:7]], ["The", "keys", "in", "the", "office."])
        pieces = self.ok(["-m", self.model, "--forced", "-a", "--piece-level"], line).splitlines()
        self.assertEqual(pieces[1].split("|")[1].split(), ["<s>"] + PIECES_LINE.split() + ["</s>"])
        svg = os.path.join(self.dir, "map.svg")
        for args, present, absent in (([], "Schlüssel", "▁Sch"), (["--piece-level"], "▁Sch", "Schlüssel")):
            with self.subTest(args=args):
                self.ok(["-m", self.model, "--forced", "--heatmap", svg] + args, line)
                with open(svg, encoding="utf-8") as f:
                    text = f.read()
                self.assertIn(f">{present}<", text)
                self.assertNotIn(f">{absent}<", text)

    def test_heatmap_and_report_titles_are_the_printed_text(self):
        """A word view labels the matrix with words; the title and the report's translation stay the text
        that is printed (words do not detokenize like the pieces they were grouped from)."""
        line = f"{PIECES_LINE}\t{FORCED_TARGET}\n"
        # the printed text without the ` ||| SCORE` a forced target's line ends with
        printed = self.ok(["-m", self.model, "--forced"], line).splitlines()[0].rsplit(" ||| ", 1)[0]
        svg, page = os.path.join(self.dir, "title.svg"), os.path.join(self.dir, "title.html")
        for args in ([], ["--piece-level"]):
            with self.subTest(args=args):
                self.ok(["-m", self.model, "--forced", "--heatmap", svg, "--html", page] + args, line)
                with open(svg, encoding="utf-8") as f:
                    self.assertIn(html.escape(f"0: {printed}", quote=False), f.read())
                with open(page, encoding="utf-8") as f:
                    self.assertIn(json.dumps(printed, ensure_ascii=False)[1:-1], f.read())

    def test_replace_unk_copies_the_source_word_as_written(self):
        """Word-level model: the most attended token, with its case (the model lowercases). Subword model: the
        whole most attended word, not a piece."""
        model = os.path.join(self.dir, "unk_words.json")
        obj = self.jsonl(["-m", model, "-b", "1", "-a", "--max-length", "3"], "Peter HUND ein.\n")[0]
        written = ["Peter", "HUND", "ein", "."]
        want = []
        for row in obj["hypotheses"][0]["attention"][:3]:
            best = max(range(len(written)), key=lambda j: (row[j], -j))
            want.append(written[best])
        got = self.ok(["-m", model, "-b", "1", "--max-length", "3", "--replace-unk"], "Peter HUND ein.\n")
        self.assertEqual(got.split(), want)
        self.assertEqual(self.ok(["-m", model, "-b", "1", "--max-length", "3"], "Peter HUND ein.\n").split(),
                         ["<unk>"] * 3)
        model = os.path.join(self.dir, "unk_pieces.json")
        obj = self.jsonl(["-m", model, "-b", "1", "-a", "--max-length", "2", "--replace-unk"], PIECES_LINE + "\n")[0]
        h = obj["hypotheses"][0]
        words = obj["source_words"][:-1]  # no bos in this model
        for t, token in enumerate(h["tokens"]):
            row = fold(h["attention"], obj["source_word_of_piece"], list(range(len(h["attention"]))))[t][:-1]
            self.assertEqual(token, MARK + words[max(range(len(row)), key=lambda j: (row[j], -j))])
        self.assertTrue(set(h["target_words"]) <= set(words))

    def test_explain_labels_pieces_with_their_words(self):
        line = f"{PIECES_LINE}\t{FORCED_TARGET}\n"
        table = self.ok(["-m", self.model, "--forced", "--explain"], line).splitlines()
        obj = self.jsonl(["-m", self.model, "--forced", "--explain", "-a"], line)[0]
        h = obj["hypotheses"][0]
        words = obj["source_words"]
        for t, row in enumerate(table[2:2 + len(h["attention"])]):
            cells = [c.strip() for c in row.split("|")]
            for cell, weights in ((cells[1], h["attention"][t]), (cells[2], h["occlusion"][t])):
                tokens = range(1, len(obj["source"]) - 1)
                j = max(tokens, key=lambda c: (weights[c], -c))
                piece, word = obj["source"][j], words[obj["source_word_of_piece"][j]]
                label = piece if piece.lstrip(MARK) == word else f"{piece} ({word})"
                self.assertEqual(cell, f"{label} {weights[j]:.3f}")

    def test_word_level_models_are_unchanged(self):
        """No word fields, CSV columns of the spec only, links on tokens."""
        model = fixture("bi2_additive.json")
        obj = self.jsonl(["-m", model, "-a", "--alignments"], "ein hund läuft\n")[0]
        self.assertNotIn("source_words", obj)
        self.assertNotIn("word_attention", obj["hypotheses"][0])
        header = self.ok(["-m", model, "--align-csv", "-"], "ein hund\n").splitlines()[0]
        self.assertEqual(header, "id,hypothesis,target_index,target_token,source_index,source_token,weight")


def split_lines(text):
    return text.split("\n")[:-1]


@unittest.skipUnless(os.access(BINARY, os.X_OK) and os.path.exists(DEU_ENG), "needs ./rnnsearch and deu-eng")
class SentencesTest(unittest.TestCase):
    THREE = "Zwei Kinder spielen im Park. Ein Hund läuft hinter ihnen her. Die Mutter sieht zu."
    PARTS = ["Zwei Kinder spielen im Park.", "Ein Hund läuft hinter ihnen her.", "Die Mutter sieht zu."]

    def ok(self, args, stdin):
        result = run(["-m", DEU_ENG] + args, stdin)
        self.assertEqual((result.returncode, without_length_limit_warning(result.stderr)), (0, b""),
                         describe(args, result))
        return result.stdout.decode("utf-8")

    def test_each_sentence_translated_and_joined(self):
        for beam in (["-b", "1"], []):
            with self.subTest(beam=beam):
                alone = split_lines(self.ok(beam, "".join(p + "\n" for p in self.PARTS)))
                self.assertEqual(self.ok(beam, self.THREE + "\n"), " ".join(alone) + "\n")
                whole = self.ok(beam + ["--no-split-sentences"], self.THREE + "\n")
                self.assertNotEqual(whole, " ".join(alone) + "\n")

    def test_jsonl_indices(self):
        obj = json.loads(self.ok(["-b", "3", "-n", "2", "--format", "jsonl", "-a"], self.THREE + "\n"))
        alone = [json.loads(line) for line in split_lines(self.ok(["-b", "3", "-n", "2", "--format", "jsonl", "-a"],
                                                                   "".join(p + "\n" for p in self.PARTS)))]
        # the source as the whole line's tokens, one eos at the end; sentences partition them
        self.assertEqual(obj["source"], sum((a["source"][:-1] for a in alone), []) + ["</s>"])
        bounds = obj["sentences"]
        self.assertEqual(bounds[0][0], 0)
        self.assertEqual(bounds[-1][1], len(obj["source"]) - 1)
        self.assertTrue(all(a[1] == b[0] for a, b in zip(bounds, bounds[1:])))
        for k, h in enumerate(obj["hypotheses"]):
            parts = [a["hypotheses"][k] for a in alone]
            # each sentence's tokens, without the eos of all but the last
            self.assertEqual(h["tokens"], sum((p["tokens"] for p in parts), []))
            self.assertAlmostEqual(h["score"], sum(p["score"] for p in parts), delta=1e-6)
            self.assertEqual(h["text"], " ".join(p["text"] for p in parts))
            targets = h["sentence_targets"]
            self.assertEqual([e - s for s, e in targets], [len(p["tokens"]) for p in parts])
            self.assertEqual(len(h["attention"]), len(h["tokens"]) + 1)
            for s, ((t0, t1), (s0, s1)) in enumerate(zip(targets, bounds)):
                rows = h["attention"][t0:t1] if s < 2 else h["attention"][t0:]
                for t, row in enumerate(rows):
                    self.assertAlmostEqual(sum(row), 1.0, delta=1e-5)
                    part_row = parts[s]["attention"][t]
                    # inside the sentence its own weights; outside zero but for its eos, folded into the last
                    self.assertEqual(row[s0:s1], part_row[:-1])
                    self.assertTrue(all(x == 0.0 for x in row[:s0] + row[s1:-1]))
                    self.assertEqual(row[-1], part_row[-1])

    def test_explain_is_per_sentence(self):
        line = self.PARTS[0] + " " + self.PARTS[1]
        obj = json.loads(self.ok(["-b", "1", "--format", "jsonl", "--explain"], line + "\n"))
        alone = [json.loads(x) for x in split_lines(self.ok(["-b", "1", "--format", "jsonl", "--explain"],
                                                            "".join(p + "\n" for p in self.PARTS[:2])))]
        h = obj["hypotheses"][0]
        (t0, t1), (u0, u1) = h["sentence_targets"]
        (s0, s1), (r0, r1) = obj["sentences"]
        first, second = alone[0]["hypotheses"][0], alone[1]["hypotheses"][0]
        self.assertEqual(h["rank_correlation"], first["rank_correlation"][:-1] + second["rank_correlation"])
        for t in range(t0, t1):
            self.assertEqual(h["occlusion"][t][s0:s1], first["occlusion"][t][:-1])
            self.assertTrue(all(x == 0.0 for x in h["occlusion"][t][r0:]))
        for t in range(u0, len(h["occlusion"])):
            self.assertEqual(h["occlusion"][t][r0:r1], second["occlusion"][t - u0][:-1])
        defined = [r for r in h["rank_correlation"] if r is not None]
        self.assertAlmostEqual(h["mean_rank_correlation"], sum(defined) / len(defined), delta=1e-9)

    def test_one_sentence_lines_are_as_before(self):
        for line in ("Dr. Müller kommt am 1. Mai.", "Ich esse z. B. Äpfel.", "Ein Hund läuft... vielleicht.",
                     "Ein Mann fährt Fahrrad."):
            with self.subTest(line=line):
                obj = json.loads(self.ok(["--format", "jsonl"], line + "\n"))
                self.assertNotIn("sentences", obj)
                self.assertEqual(self.ok([], line + "\n"), self.ok(["--no-split-sentences"], line + "\n"))

    def test_batch_and_pipe_and_csv_agree(self):
        lines = [self.THREE, "Ein Hund.", "", "Warte… Was? Nein!", self.PARTS[0]]
        data = "".join(line + "\n" for line in lines)
        directory = tempfile.mkdtemp(prefix="rnnsearch-sentences-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "in.de")
        with open(path, "w", encoding="utf-8") as f:
            f.write(data)
        from_file = self.ok(["--batch-size", "2", "--format", "jsonl", "-a", path], "")
        self.assertEqual(self.ok(["--format", "jsonl", "-a"], data), from_file)
        self.assertEqual(len(split_lines(from_file)), len(lines))
        records = [json.loads(line) for line in split_lines(from_file)]
        rows = list(csv.reader(io.StringIO(self.ok(["--align-csv", "-"], data), newline="")))[1:]
        for obj in records:
            h = obj["hypotheses"][0]
            mine = [r for r in rows if int(r[0]) == obj["id"]]
            self.assertEqual(len(mine), len(h.get("attention", [])) * len(obj["source"]))
        texts = split_lines(self.ok([path], ""))
        self.assertEqual(texts, [obj["hypotheses"][0]["text"] for obj in records])

    def test_max_source_tokens_bounds_the_line(self):
        line = " ".join(["Ein Hund läuft."] * 10) + "\n"  # 4 tokens a sentence
        result = run(["-m", DEU_ENG, "-b", "1", "--max-source-tokens", "9"], line)
        self.assertEqual(result.returncode, 0)
        alone = self.ok(["-b", "1"], "Ein Hund läuft.\n").strip()
        self.assertEqual(result.stdout.decode(), f"{alone} {alone}\n")
        self.assertEqual(result.stderr.decode(), "rnnsearch: warning: standard input:1: 40 tokens, only the first 8 "
                                                 "are translated (--max-source-tokens)\n")
        # a huge line of sentences costs no more than --max-source-tokens tokens of work
        result = run(["-m", DEU_ENG, "-b", "1", "--format", "jsonl"], "Ja. " * 200000 + "\n")
        self.assertEqual(result.returncode, 0)
        obj = json.loads(result.stdout)
        self.assertEqual(len(obj["source"]), 1024 + 1)
        self.assertIn("400000 tokens, only the first 1024", result.stderr.decode())

    def test_forced_and_check(self):
        target = "Two children are playing in a park. A dog runs behind them. The mother watches."
        obj = json.loads(self.ok(["--forced", "--format", "jsonl", "-a"], f"{self.THREE}\t{target}\n"))
        self.assertEqual(len(obj["sentences"]), 3)
        self.assertEqual(obj["hypotheses"][0]["text"], target)
        # a target with fewer sentences: forced whole
        obj = json.loads(self.ok(["--forced", "--format", "jsonl"], f"{self.THREE}\tTwo children play.\n"))
        self.assertNotIn("sentences", obj)
        # --check compares the joined line
        out = self.ok(["-b", "1"], self.THREE + "\n")
        directory = tempfile.mkdtemp(prefix="rnnsearch-sentences-")
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, "check.tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"# rnnsearch-check: -b 1\n{self.THREE}\t{out}")
        self.assertEqual(self.ok(["--check", path], ""), "check: all 1 lines match\n")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"# rnnsearch-check: -b 1 --no-split-sentences\n{self.THREE}\t{out}")
        self.assertEqual(run(["-m", DEU_ENG, "--check", path]).returncode, 1)


if __name__ == "__main__":
    unittest.main()
