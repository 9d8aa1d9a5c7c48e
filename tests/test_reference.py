"""scripts/reference.py: reproduces its fixtures, agrees with the independent numpy implementation (tests/naive.py)
on every fixture, finds the exhaustive best where beam search must, and does not depend on batching."""
import io
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import torch  # noqa: E402

import naive  # noqa: E402
import reference  # noqa: E402
from jsonl_compare import FIXTURES, ROOT, compare, manifest, read_lines  # noqa: E402

torch.set_num_threads(1)
_models = {}


def model(name):
    """The reference's and the naive implementation's view of a fixture model, loaded once."""
    if name not in _models:
        path = os.path.join(FIXTURES, name + ".json")
        _models[name] = (reference.load_model(path), naive.NaiveModel(path))
    return _models[name]


def input_lines(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read().split(b"\n")[:-1]


class FixturesTest(unittest.TestCase):
    def test_reference_reproduces_fixtures(self):
        for fixture in manifest():
            for run in fixture["runs"]:
                with self.subTest(fixture=fixture["name"], run=run["name"]):
                    out = io.StringIO()
                    reference.main(["-m", os.path.join(FIXTURES, fixture["model"]), "--format", "jsonl", "-a"]
                                   + run["args"] + [os.path.join(FIXTURES, fixture["input"])], out=out)
                    expected = read_lines(os.path.join(FIXTURES, run["expected"]))
                    # Same tokens; scores within 3e-5 and attention within 2e-6, not bit for bit: the reference's
                    # float32 products go through the BLAS under PyTorch, whose kernels (and so summation orders)
                    # differ by CPU. OpenBLAS's AVX-512 kernels move scores by up to 7e-6 and attention by up to
                    # 7e-7 from the AVX2 machine that wrote the fixtures.
                    self.assertEqual(compare(expected, out.getvalue().split("\n")[:-1], 3e-5, 2e-6), [])

    def test_naive_implementation_agrees(self):
        """Decoding each fixture input again with tests/naive.py (float64, literal algorithm) gives the same
        hypotheses, scores and attention as the stored reference outputs."""
        for fixture in manifest():
            _, slow = model(fixture["model"][:-5])
            for run in fixture["runs"]:
                args = reference.parse_args(["-m", "x"] + run["args"])
                for line in read_lines(os.path.join(FIXTURES, run["expected"])):
                    e = json.loads(line)
                    if not e["source"]:
                        continue
                    with self.subTest(fixture=fixture["name"], run=run["name"], id=e["id"]):
                        ids = slow.source_ids(e["source"])
                        limit = naive.limit(len(ids), args.max_length, args.max_length_factor)
                        if args.beam == 1:
                            out, score, rows = naive.greedy(slow, ids, limit)
                            got = [(out, score, None, rows)]
                        else:
                            got = naive.beam(slow, ids, args.beam, limit, args.length_penalty)[:args.n_best]
                        self.assertEqual(len(got), len(e["hypotheses"]))
                        for (out, score, normalized, rows), hyp in zip(got, e["hypotheses"]):
                            words = [slow.tgt_vocab[i] for i in out]
                            if out[-1] == slow.eos:
                                words = words[:-1]
                            self.assertEqual(words, hyp["tokens"])
                            self.assertLessEqual(len(out), limit)
                            self.assertAlmostEqual(score, hyp["score"], delta=1e-4)
                            if normalized is not None:
                                self.assertAlmostEqual(normalized, hyp["normalized_score"], delta=1e-4)
                            self.assertEqual(len(rows), len(hyp["attention"]))
                            for row, want in zip(rows, hyp["attention"]):
                                self.assertEqual(len(row), len(e["source"]))
                                self.assertLess(max(abs(a - b) for a, b in zip(row, want)), 1e-5)

    def test_ties_follow_the_rules(self):
        """The ties model's output layer ignores its input and ties "a" and "cat": greedy takes the lower id."""
        for line in read_lines(os.path.join(FIXTURES, "ties.b1.jsonl")):
            e = json.loads(line)
            if e["source"]:
                self.assertEqual(set(e["hypotheses"][0]["tokens"]), {"a"})


class DecodingTest(unittest.TestCase):
    def check_exhaustive(self, name, lines):
        ref, slow = model(name)
        vocab = len(slow.tgt_vocab)
        for line in lines:
            tokens, ids = reference.prepare(ref, line)
            if not ids:
                continue
            with self.subTest(model=name, line=line):
                everything = naive.enumerate_outputs(slow, ids, 2)
                self.assertEqual(len(everything), 1 + (vocab - 1) * vocab)
                everything.sort(key=lambda e: -e[1])
                ranked = reference.beam_search(ref, ids, vocab, 2, length_penalty=0.0)
                self.assertEqual(ranked[0].ids, everything[0][0])
                self.assertAlmostEqual(ranked[0].score, everything[0][1], delta=1e-5)
                # The beam of V keeps eos alone plus the V-1 best two-token outputs.
                eos_only = [e for e in everything if len(e[0]) == 1]
                two = [e for e in everything if len(e[0]) == 2][:vocab - 1]
                want = sorted(eos_only + two, key=lambda e: -e[1])
                self.assertEqual([h.ids for h in ranked], [w[0] for w in want])
                for h, w in zip(ranked, want):
                    self.assertAlmostEqual(h.score, w[1], delta=1e-5)

    def test_beam_of_vocabulary_size_finds_exhaustive_best(self):
        self.check_exhaustive("tiny_exhaustive", input_lines("tiny.in"))
        self.check_exhaustive("bi2_additive", input_lines("common.in")[:3])

    def test_greedy_equals_beam_of_one(self):
        for name in ("bi2_additive", "uni_copy_dot", "general_ctx_state", "ties"):
            ref, _ = model(name)
            for line in input_lines("common.in"):
                _, ids = reference.prepare(ref, line)
                if not ids:
                    continue
                limit = reference.length_limit(len(ids), 12)
                g = reference.translate_greedy_batch(ref, [ids], [limit])[0]
                b = reference.beam_search(ref, ids, 1, limit)
                self.assertEqual(len(b), 1)
                self.assertEqual(g.ids, b[0].ids)
                self.assertAlmostEqual(g.score, b[0].score, delta=1e-6)
                self.assertTrue(all(torch.allclose(x, y, atol=1e-7) for x, y in zip(g.attention, b[0].attention)))

    def test_greedy_does_not_depend_on_batch_size(self):
        for name in ("bi2_additive", "uni_copy_dot", "scaled_zeros_dec2", "tokenizer_bos", "additive_nobias"):
            ref, _ = model(name)
            lines = input_lines("tokenizer.in" if name == "tokenizer_bos" else "common.in")
            runs = [list(reference.translate_lines(ref, lines, beam=1, max_length=12, attention=True,
                                                   batch_size=size)) for size in (1, 4, 32)]
            for other in runs[1:]:
                self.assertEqual(len(other), len(runs[0]))
                for (src_a, hyps_a), (src_b, hyps_b) in zip(runs[0], other):
                    self.assertEqual(src_a, src_b)
                    self.assertEqual([h.ids for h in hyps_a], [h.ids for h in hyps_b])
                    for a, b in zip(hyps_a, hyps_b):
                        self.assertAlmostEqual(a.score, b.score, delta=1e-5)
                        for x, y in zip(a.attention, b.attention):
                            self.assertEqual(x.shape, y.shape)
                            self.assertLess(float((x - y).abs().max()), 1e-6)

    def test_length_limit(self):
        self.assertEqual(reference.length_limit(4), 12)
        self.assertEqual(reference.length_limit(4, 10), 10)
        self.assertEqual(reference.length_limit(3, 256, 1.5), 5)
        ref, _ = model("bi2_additive")
        results = list(reference.translate_lines(ref, [b"ein hund"], beam=4, n_best=4, max_length=256,
                                                 max_length_factor=1.0))
        self.assertTrue(all(len(h.ids) <= 3 for h in results[0][1]))


class CommandLineTest(unittest.TestCase):
    SCRIPT = os.path.join(ROOT, "scripts", "reference.py")
    TINY = os.path.join(FIXTURES, "tiny_exhaustive.json")

    def run_script(self, args, stdin=b""):
        return subprocess.run([sys.executable, self.SCRIPT] + args, input=stdin, capture_output=True, check=True,
                              timeout=120).stdout.decode("utf-8")

    def test_files_stdin_and_formats(self):
        args = ["-m", self.TINY, "--format", "jsonl", "-a", "-b", "1", "--max-length", "2"]
        expected = read_lines(os.path.join(FIXTURES, "tiny_exhaustive.b1.jsonl"))
        from_file = self.run_script(args + [os.path.join(FIXTURES, "tiny.in")])
        self.assertEqual(compare(expected, from_file.split("\n")[:-1], 1e-6, 1e-7), [])
        with open(os.path.join(FIXTURES, "tiny.in"), "rb") as f:
            from_stdin = self.run_script(args, f.read())
        self.assertEqual(from_stdin, from_file)
        text = self.run_script(["-m", self.TINY, "-b", "3", "-n", "2", "--max-length", "3"], b"x y\n\nz\n")
        lines = text.split("\n")[:-1]
        self.assertEqual(len(lines), 5)
        self.assertEqual([line.split(" ||| ")[0] for line in lines], ["0", "0", "1", "2", "2"])
        one_best = self.run_script(["-m", self.TINY, "-b", "3"], b"x y\n \nz\n")
        self.assertEqual(len(one_best.split("\n")[:-1]), 3)
        self.assertEqual(one_best.split("\n")[1], "")


if __name__ == "__main__":
    unittest.main()
