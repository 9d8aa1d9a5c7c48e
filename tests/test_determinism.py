"""Outputs do not depend on how the work is split: byte-identical JSONL (tokens, scores, attention) for every
--batch-size and --threads, greedy and beam, on every fixture and on bigger random models whose sizes are no
multiple of the kernels' widths; lines from a pipe, batched as they come, give a file's output; and a file
spread over several processes with GNU parallel gives the output of one process (skipped when `parallel` is
not installed).

Why it holds: every matrix product sums each output in one fixed order, whatever the number of rows computed
together or the thread computing it (src/engine/kernels.h), and every other step works row by row. The kernels are
one source compiled per instruction set, in one order of arithmetic: the portable table (RNNSEARCH_ISA=portable)
gives the bytes of the AVX2 and AVX-512 ones."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tinymodel  # noqa: E402
from clitools import BINARY, FIXTURES, child_env, describe, memory_checked, run, wrapper  # noqa: E402

BATCH_SIZES = ("1", "7", "32")
THREADS = ("1", "2")
SEARCHES = (["-b", "1"], ["-b", "4", "-n", "3"])


def big_config(score="additive", output=("state", "context", "embedding")):
    """Sizes that are no multiple of 8 or 16, two layers each side: every kernel tail is used."""
    return {
        "encoder": {"embedding_dim": 37, "hidden_size": 29, "num_layers": 2, "bidirectional": True},
        "decoder": {"embedding_dim": 23, "hidden_size": 58 if score in ("dot", "scaled_dot") else 45, "num_layers": 2},
        "bridge": "linear_tanh",
        "attention": {"score": score, "dim": 53} if score == "additive" else {"score": score},
        "output": list(output),
    }


SRC_WORDS = [f"s{i}" for i in range(300)]
TGT_WORDS = [f"t{i}" for i in range(211)]


def random_lines(count, seed):
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if i % 17 == 5:
            lines.append("")
            continue
        words = [rng.choice(SRC_WORDS) if rng.random() < 0.95 else "unknownword" for _ in range(rng.randint(1, 35))]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class DeterminismTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rnnsearch-determinism-")
        cls.big = []
        for score, form in (("additive", "f32"), ("general", "f16"), ("dot", "nested"), ("scaled_dot", "flat")):
            doc = tinymodel.build(big_config(score), SRC_WORDS, TGT_WORDS, form=form, seed=7, scale=0.5)
            path = os.path.join(cls.dir, f"big_{score}.json")
            tinymodel.write(path, doc)
            cls.big.append(path)
        cls.big_input = os.path.join(cls.dir, "big.in")
        with open(cls.big_input, "w", encoding="utf-8") as f:
            f.write(random_lines(70, 3))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def outputs(self, model, source, search):
        """{(batch size, threads): stdout bytes} of one model, input file and search."""
        results = {}
        for batch in BATCH_SIZES:
            for threads in THREADS:
                if memory_checked() and (batch, threads) not in (("1", "1"), ("32", "2")):
                    continue  # under a memory checker (ASan too): the two extremes, their paths; make test: all
                args = ["-m", model, "--format", "jsonl", "-a", "--batch-size", batch, "-t", threads] + search
                result = run(args + [source])
                self.assertEqual(result.returncode, 0, describe(args, result))
                results[(batch, threads)] = result.stdout
        return results

    def check(self, model, source):
        """Checks every split gives the same output; returns the greedy one."""
        greedy = None
        for search in SEARCHES:
            results = self.outputs(model, source, search)
            first = results[min(results)]
            self.assertTrue(first.strip(), f"{model}: no output")
            for key, out in results.items():
                with self.subTest(model=os.path.basename(model), search=" ".join(search), batch=key[0],
                                  threads=key[1]):
                    self.assertEqual(out, first, f"--batch-size {key[0]} -t {key[1]} differs from "
                                                 f"--batch-size {min(results)[0]} -t {min(results)[1]}")
            greedy = greedy or first
        return greedy

    def test_fixtures(self):
        with open(os.path.join(FIXTURES, "manifest.json"), encoding="utf-8") as f:
            fixtures = json.load(f)["fixtures"]
        for fixture in fixtures:
            self.check(os.path.join(FIXTURES, fixture["model"]), os.path.join(FIXTURES, fixture["input"]))

    def test_bigger_random_models(self):
        for model in self.big:
            out = self.check(model, self.big_input)
            decoded = [json.loads(line) for line in out.decode("utf-8").splitlines()]
            lengths = {len(obj["hypotheses"][0]["tokens"]) for obj in decoded if obj["source"]}
            self.assertGreater(len(lengths), 3, f"{model}: outputs too uniform to tell anything")


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class InstructionSetTest(unittest.TestCase):
    """The portable kernels give the bytes of the machine's best ones (src/engine/kernels.h), f32 and f16 models."""

    def test_portable_equals_best(self):
        directory = tempfile.mkdtemp(prefix="rnnsearch-isa-")
        self.addCleanup(shutil.rmtree, directory, True)
        source = os.path.join(directory, "in.txt")
        with open(source, "w", encoding="utf-8") as f:
            f.write(random_lines(25, 13))
        for score, form in (("additive", "f32"), ("general", "f16")):
            model = os.path.join(directory, f"{score}.json")
            tinymodel.write(model, tinymodel.build(big_config(score), SRC_WORDS, TGT_WORDS, form=form, seed=9,
                                                   scale=0.5))
            for search in SEARCHES:
                args = ["-m", model, "--format", "jsonl", "-a"] + search + [source]
                best = run(args)
                portable = run(args, env=child_env(RNNSEARCH_ISA="portable"))
                self.assertEqual(best.returncode, 0, describe(args, best))
                self.assertEqual(portable.returncode, 0, describe(args, portable))
                with self.subTest(score=score, search=" ".join(search)):
                    self.assertTrue(best.stdout.strip())
                    self.assertEqual(portable.stdout, best.stdout)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class PipeBatchTest(unittest.TestCase):
    """From a pipe, a batch is the lines already waiting: a lone line is answered before the next one is
    written (rnnsearch as a coprocess), a burst of lines is translated together, with a file's output."""

    def test_coprocess_and_burst(self):
        directory = tempfile.mkdtemp(prefix="rnnsearch-pipe-")
        self.addCleanup(shutil.rmtree, directory, True)
        model = os.path.join(directory, "model.json")
        tinymodel.write(model, tinymodel.build(big_config(), SRC_WORDS, TGT_WORDS, seed=7, scale=0.5))
        source = os.path.join(directory, "in.txt")
        text = random_lines(60, 5)
        with open(source, "w", encoding="utf-8") as f:
            f.write(text)
        expected = run(["-m", model, "-b", "2", "--format", "jsonl", source]).stdout.decode("utf-8").splitlines()
        lines = text.splitlines()
        proc = subprocess.Popen(wrapper() + [BINARY, "-m", model, "-b", "2", "--format", "jsonl"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            got = []
            for line in lines[:3]:  # one at a time: each answer comes while the input stays open
                proc.stdin.write((line + "\n").encode("utf-8"))
                proc.stdin.flush()
                got.append(proc.stdout.readline().decode("utf-8").rstrip("\n"))
            proc.stdin.write("".join(line + "\n" for line in lines[3:]).encode("utf-8"))
            proc.stdin.close()
            got += proc.stdout.read().decode("utf-8").splitlines()
        finally:
            proc.wait(timeout=600)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(got, expected)


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
@unittest.skipUnless(shutil.which("parallel"), "GNU parallel is not installed (scripts/setup.sh --test)")
class GnuParallelTest(unittest.TestCase):
    """README "Many cores, many hosts": `parallel --pipe -k` gives the text of a single process."""

    def test_pipe_chunks_equal_one_process(self):
        directory = tempfile.mkdtemp(prefix="rnnsearch-parallel-")
        self.addCleanup(shutil.rmtree, directory, True)
        model = os.path.join(directory, "model.json")
        tinymodel.write(model, tinymodel.build(big_config(), SRC_WORDS, TGT_WORDS, seed=7, scale=0.5))
        source = os.path.join(directory, "in.txt")
        with open(source, "w", encoding="utf-8") as f:
            f.write(random_lines(300, 11))
        for search in (["-b", "1"], ["-b", "3"]):
            with self.subTest(search=search):
                single = run(["-m", model] + search + [source])
                self.assertEqual(single.returncode, 0, describe(["-m", model] + search, single))
                command = ["parallel", "--will-cite", "--pipe", "-k", "-N", "37", "-j", "3"] + wrapper() + \
                    [BINARY, "-m", model] + search
                with open(source, "rb") as f:
                    spread = subprocess.run(command, stdin=f, capture_output=True, timeout=600)
                self.assertEqual(spread.returncode, 0, spread.stderr.decode("utf-8", "replace"))
                self.assertEqual(spread.stdout, single.stdout)
                self.assertEqual(len(spread.stdout.splitlines()), 300)


if __name__ == "__main__":
    unittest.main()
