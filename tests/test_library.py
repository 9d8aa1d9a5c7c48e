"""The library and its Python binding (src/include/rnnsearch.h, src/python/rnnsearch.py): the binding's results
equal the command line's JSONL for the same input and options (a bundled model and fixtures: tokens, text,
scores, attention, word views, attributions, bit for bit), errors raise exceptions with the library's message,
and `make install DESTDIR=...` puts the header, the libraries, rnnsearch.pc and the module in place, so that a
program built with `pkg-config --cflags --libs rnnsearch` against the installed copy runs (and `make uninstall`
takes them away). Needs `make lib` (build/librnnsearch.so.1) and ./rnnsearch."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clitools import BINARY, ROOT, child_env, fixture, run  # noqa: E402

LIBRARY = os.path.join(ROOT, "build", "librnnsearch.so.1")
sys.path.insert(0, os.path.join(ROOT, "src", "python"))
rnnsearch = None
if os.path.exists(LIBRARY):
    os.environ.pop("RNNSEARCH_LIBRARY", None)
    import rnnsearch  # noqa: E402

BUNDLED = os.path.join(ROOT, "models", "deu-eng.json")

PROGRAM = r"""
#include <stdio.h>
#include <rnnsearch.h>

int main(int argc, char **argv)
{
    rnnsearch_model *model;
    rnnsearch_error err;
    if (argc != 3)
        return 2;
    if (rnnsearch_model_load(&model, argv[1], NULL, &err) != RNNSEARCH_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    const char *lines[] = {argv[2]};
    rnnsearch_result *result;
    if (rnnsearch_translate(model, lines, NULL, 1, NULL, &result, &err) != RNNSEARCH_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    printf("%s %s\n", rnnsearch_version(), rnnsearch_hyp_text(result, 0, 0));
    rnnsearch_result_free(result);
    rnnsearch_model_free(model);
    return 0;
}
"""


def cli_jsonl(model, args, lines):
    result = run(["-m", model, "--quiet", "--format", "jsonl", "-a"] + args, "".join(line + "\n" for line in lines))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def lines_of(path):
    with open(path, encoding="utf-8") as f:
        return [line for line in f.read().split("\n")[:-1] if "\0" not in line]


@unittest.skipUnless(rnnsearch and os.access(BINARY, os.X_OK), "build/librnnsearch.so.1 or ./rnnsearch missing")
class BindingTest(unittest.TestCase):
    maxDiff = 4000

    def assert_matrix(self, expected, got, rows_sum_to_one=False):
        expected = np.array(expected, dtype=np.float64).reshape(got.shape)
        self.assertEqual(got.dtype, np.float32)
        # the JSONL prints a float to 9 significant digits: the float itself
        np.testing.assert_array_equal(expected.astype(np.float32), got)
        if rows_sum_to_one and got.size:
            np.testing.assert_allclose(got.astype(np.float64).sum(axis=1), 1.0, atol=1e-5)

    def assert_same(self, expected, got, subword=False, methods=()):
        """A command-line JSONL object against a Translation."""
        self.assertEqual(expected["source"], got.source)
        if subword and got.source:
            self.assertEqual(expected["source_words"], got.source_words)
            self.assertEqual(expected["source_word_of_piece"], got.source_word_of.tolist())
        if not got.hypotheses:
            self.assertEqual(expected["hypotheses"][0]["tokens"], [])
            self.assertEqual((got.text, got.score, got.tokens), ("", 0.0, []))
            return
        self.assertEqual(len(expected["hypotheses"]), len(got.hypotheses))
        for e, h in zip(expected["hypotheses"], got.hypotheses):
            self.assertEqual(e["tokens"], h.tokens)
            self.assertEqual(e["text"], h.text)
            self.assertEqual(e["score"], h.score)  # exactly: the JSONL prints the shortest round-trip digits
            self.assertEqual(e["normalized_score"], h.normalized_score)
            self.assertEqual(e["truncated"], h.truncated)
            self.assertEqual(h.attention.shape, (len(h.row_labels), len(got.source)))
            self.assert_matrix(e["attention"], h.attention, rows_sum_to_one=True)
            if "sentences" not in expected:  # a split line's score also counts the eos ending each sentence
                self.assertEqual(h.logprobs.astype(np.float64).sum(), h.score)
            if subword:
                self.assertEqual(e["target_words"], h.words)
                self.assertEqual(e["target_word_of_piece"], h.word_of.tolist())
                self.assertEqual(h.word_attention.shape, (len(h.word_row_labels), len(got.source_words)))
                self.assert_matrix(e["word_attention"], h.word_attention, rows_sum_to_one=True)
            else:
                self.assertEqual(h.words, h.tokens)
                np.testing.assert_array_equal(h.word_attention, h.attention)
            self.assertEqual(sorted(h.attributions), sorted(methods))
            for name in methods:
                self.assert_matrix(e["attention" if name == "attention" else name], h.attributions[name])
                if name != "attention":
                    rho = [np.nan if v is None else v for v in e["rank_correlations"][name]]
                    np.testing.assert_array_equal(np.array(rho), h.rank_correlations[name])
            if "ig" in methods:
                self.assert_matrix(e["ig_completeness_error"], h.ig_error)

    def test_bundled_model_matches_cli(self):
        if not os.path.exists(BUNDLED):
            self.skipTest("models/deu-eng.json missing")
        lines = lines_of(os.path.join(ROOT, "data", "sample.de")) + ["", "Ein Hund läuft. Eine Katze schläft."]
        model = rnnsearch.Model(BUNDLED, threads=2)
        self.assertTrue(model.is_subword)  # the default is the subword, cased model
        self.assertEqual((model.source_language, model.target_language), ("de", "en"))
        got = model.translate(lines, beam=4, n_best=2)
        expected = cli_jsonl(BUNDLED, ["-b", "4", "-n", "2"], lines)
        self.assertEqual(len(got), len(lines))
        for e, t in zip(expected, got):
            self.assert_same(e, t, subword=True)
        # one sentence in, one Translation out; batching does not change results
        single = model.translate(lines[0], beam=4, n_best=2, batch_size=1)
        self.assertEqual(single.text, got[0].text)
        np.testing.assert_array_equal(single.attention, got[0].attention)
        model.close()

    def test_fixture_options_match_cli(self):
        path = fixture("bi2_additive.json")
        lines = lines_of(fixture("common.in"))
        model = rnnsearch.Model(path)
        for options, args in [
            (dict(beam=1, max_length=10), ["-b", "1", "--max-length", "10"]),
            (dict(beam=4, n_best=3, max_length=10, length_penalty=1.0, max_length_factor=1.5),
             ["-b", "4", "-n", "3", "--max-length", "10", "--length-penalty", "1", "--max-length-factor", "1.5"]),
            (dict(beam=3, no_repeat_ngram=2, max_source_tokens=3, split_sentences=False, replace_unk=True),
             ["-b", "3", "--no-repeat-ngram", "2", "--max-source-tokens", "3", "--no-split-sentences",
              "--replace-unk"]),
        ]:
            with self.subTest(args=args):
                for e, t in zip(cli_jsonl(path, args, lines), model.translate(lines, **options)):
                    self.assert_same(e, t)

    def test_subword_words_and_attributions_match_cli(self):
        path = fixture("subword.json")
        lines = lines_of(fixture("subword.in"))
        model = rnnsearch.Model(path)
        self.assertTrue(model.is_subword)
        methods = ["attention", "occlusion", "saliency", "grad_input", "ig"]
        got = model.translate(lines, beam=3, n_best=2, max_length=10, explain=methods)
        expected = cli_jsonl(path, ["-b", "3", "-n", "2", "--max-length", "10", "--explain=" + ",".join(methods)],
                             lines)
        for e, t in zip(expected, got):
            self.assert_same(e, t, subword=True, methods=methods)
        # the adaptive ig and a comma string
        got = model.translate(lines[:2], explain="saliency,ig", ig_steps=8)
        expected = cli_jsonl(path, ["--explain=saliency,ig", "--ig-steps", "8"], lines[:2])
        for e, t in zip(expected, got):
            self.assert_same(e, t, subword=True, methods=["saliency", "ig"])

    def test_split_line_attributions_match_cli(self):
        # a line of two sentences: joined attention, words and attributions (README "Several sentences on one line")
        path = os.path.join(ROOT, "models", "eng-pes.json")
        if not os.path.exists(path):
            self.skipTest("models/eng-pes.json missing")
        lines = ["A dog runs. A cat sleeps in the house."]
        methods = ["occlusion", "saliency", "ig"]
        got = rnnsearch.Model(path).translate(lines, beam=3, n_best=2, explain=methods, ig_steps=8)
        expected = cli_jsonl(path, ["-b", "3", "-n", "2", "--explain=" + ",".join(methods), "--ig-steps", "8"], lines)
        self.assertIn("sentences", expected[0])
        self.assert_same(expected[0], got[0], subword=True, methods=methods)

    def test_forced_matches_cli(self):
        path = fixture("bi2_additive.json")
        sources = ["ein hund läuft", "die frau sieht den ball . ein hund läuft .", ""]
        targets = ["a dog runs", "the woman sees the ball . a dog runs .", ""]
        got = rnnsearch.Model(path).translate(sources, targets=targets)
        result = run(["-m", path, "--format", "jsonl", "-a", "--forced"],
                     "".join(s + "\t" + t + "\n" for s, t in zip(sources, targets)))
        self.assertEqual(result.returncode, 0, result.stderr)
        for line, t in zip(result.stdout.decode().splitlines(), got):
            self.assert_same(json.loads(line), t)

    def test_errors_raise_with_the_message(self):
        with self.assertRaises(rnnsearch.ModelError) as caught:
            rnnsearch.Model("/nonexistent/model.json")
        self.assertEqual(str(caught.exception), "/nonexistent/model.json: cannot open model: No such file or directory")
        self.assertEqual(caught.exception.status, 2)
        with self.assertRaises(rnnsearch.ModelError) as caught:
            rnnsearch.Model(fixture("common.in"))
        self.assertIn("common.in", str(caught.exception))
        with self.assertRaises(rnnsearch.ArgumentError):
            rnnsearch.Model(fixture("bi2_additive.json"), threads=-1)
        with self.assertRaises(rnnsearch.ArgumentError):
            rnnsearch.Model(fixture("bi2_additive.json"), quantize="int4")
        model = rnnsearch.Model(fixture("bi2_additive.json"))
        for options, message in [(dict(beam=0), "beam: expected 1 .. 1000, got 0"),
                                 (dict(beam=2, n_best=3), "n_best: expected 1 .. beam (2), got 3"),
                                 (dict(length_penalty=-1.0), "length_penalty: expected a non-negative number, got -1"),
                                 (dict(explain="saliency,foo"), "--explain: unknown method 'foo' (expected a comma "
                                  "list of attention, occlusion, saliency, grad_input, ig)"),
                                 (dict(targets=["a", "b"]), "targets: 2 for 1 sentences"),
                                 (dict(beam=2.5), "beam: expected an integer, got 2.5")]:
            with self.subTest(options=options):
                with self.assertRaises(rnnsearch.ArgumentError) as caught:
                    model.translate(["ein hund"], **options)
                self.assertEqual(str(caught.exception), message)
                self.assertIsInstance(caught.exception, ValueError)
        with self.assertRaises(TypeError):
            model.translate([1])
        self.assertEqual(model.translate([]), [])
        model.close()
        with self.assertRaises(rnnsearch.ArgumentError):
            model.translate(["ein hund"])

    def test_threads_share_a_model(self):
        # ctypes lets go of the GIL during a call: the library's lock keeps translations apart
        import threading
        model = rnnsearch.Model(fixture("bi2_additive.json"))
        lines = lines_of(fixture("common.in"))
        expected = [t.text for t in model.translate(lines, beam=3, explain="saliency")]
        got, failures = [], []

        def work():
            try:
                for _ in range(5):
                    got.append([t.text for t in model.translate(lines, beam=3, explain="saliency")])
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(e)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(failures, [])
        self.assertEqual(got, [expected] * 15)

    def test_quantized_model_translates(self):
        model = rnnsearch.Model(fixture("bi2_additive.json"), quantize="int8")
        lines = lines_of(fixture("common.in"))[:4]
        expected = cli_jsonl(fixture("bi2_additive.json"), ["--quantize", "int8"], lines)
        for e, t in zip(expected, model.translate(lines)):
            self.assert_same(e, t)


@unittest.skipUnless(os.access(BINARY, os.X_OK) and shutil.which("pkg-config") and shutil.which("cc"),
                     "./rnnsearch, pkg-config or cc missing")
class InstallTest(unittest.TestCase):
    def test_install_and_build_against_it(self):
        destdir = tempfile.mkdtemp(prefix="rnnsearch-install-")
        self.addCleanup(shutil.rmtree, destdir, True)
        make = ["make", "-s", "-C", ROOT, "DESTDIR=" + destdir, "PREFIX=/usr/local"]
        result = subprocess.run(make + ["install"], capture_output=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr.decode()[-2000:])
        prefix = destdir + "/usr/local"
        libdir = prefix + "/lib"
        for name in ["bin/rnnsearch", "include/rnnsearch.h", "lib/librnnsearch.a", "lib/librnnsearch.so.1.0.0",
                     "lib/librnnsearch.so.1", "lib/librnnsearch.so", "lib/pkgconfig/rnnsearch.pc"]:
            self.assertTrue(os.path.exists(os.path.join(prefix, name)), name)
        self.assertEqual(os.readlink(libdir + "/librnnsearch.so.1"), "librnnsearch.so.1.0.0")
        modules = [os.path.join(d, "rnnsearch.py") for d, _, files in os.walk(libdir) if "rnnsearch.py" in files]
        self.assertEqual(len(modules), 1, modules)
        with open(modules[0], encoding="utf-8") as f:
            self.assertIn('_INSTALLED_LIBDIR = "/usr/local/lib"', f.read())
        with open(libdir + "/pkgconfig/rnnsearch.pc", encoding="utf-8") as f:
            pc = f.read()
        self.assertIn("prefix=/usr/local\n", pc)
        self.assertIn("Version: 1.0.0\n", pc)

        # a program built with pkg-config against the installed copy (the sysroot maps /usr/local into DESTDIR)
        env = dict(os.environ, PKG_CONFIG_PATH=libdir + "/pkgconfig", PKG_CONFIG_SYSROOT_DIR=destdir,
                   PKG_CONFIG_LIBDIR=libdir + "/pkgconfig")
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "rnnsearch"], capture_output=True, env=env,
                               check=True).stdout.decode().split()
        self.assertIn("-I" + prefix + "/include", flags)
        source = os.path.join(destdir, "program.c")
        with open(source, "w", encoding="utf-8") as f:
            f.write(PROGRAM)
        program = os.path.join(destdir, "program")
        result = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", program, source] + flags,
                                capture_output=True)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        line = "ein hund läuft"
        expected = run(["-m", fixture("bi2_additive.json")], line + "\n").stdout.decode().strip()
        run_env = child_env(LD_LIBRARY_PATH=libdir)
        result = subprocess.run([program, fixture("bi2_additive.json"), line], capture_output=True, env=run_env)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.decode(), "1.0.0 " + expected + "\n")
        result = subprocess.run([program, "/nonexistent.json", line], capture_output=True, env=run_env)
        self.assertEqual((result.returncode, result.stderr.decode()),
                         (2, "/nonexistent.json: cannot open model: No such file or directory\n"))

        # statically linked: the archive and the private libraries of `pkg-config --static`
        static_flags = subprocess.run(["pkg-config", "--static", "--libs", "rnnsearch"], capture_output=True, env=env,
                                      check=True).stdout.decode().split()
        static_flags = [libdir + "/librnnsearch.a" if f == "-lrnnsearch" else f for f in static_flags]
        result = subprocess.run(["cc", "-std=c11", "-o", program + "-static", source, "-I" + prefix + "/include"]
                                + static_flags, capture_output=True)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        result = subprocess.run([program + "-static", fixture("bi2_additive.json"), line], capture_output=True,
                                env=child_env())
        self.assertEqual(result.stdout.decode(), "1.0.0 " + expected + "\n")

        # the header is C++-clean
        if shutil.which("c++"):
            result = subprocess.run(["c++", "-fsyntax-only", "-Wall", "-Werror", "-x", "c++", source, "-I",
                                     prefix + "/include"], capture_output=True)
            self.assertEqual(result.returncode, 0, result.stderr.decode())

        # the installed Python module finds the installed library
        script = "import rnnsearch; print(rnnsearch.Model(%r).translate(%r).text)" % (fixture("bi2_additive.json"),
                                                                                       line)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=destdir,
                                env=child_env(LD_LIBRARY_PATH=libdir, PYTHONPATH=os.path.dirname(modules[0]),
                                              RNNSEARCH_LIBRARY=None))
        self.assertEqual((result.returncode, result.stdout.decode()), (0, expected + "\n"), result.stderr.decode())

        result = subprocess.run(make + ["uninstall"], capture_output=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr.decode()[-2000:])
        left = [os.path.join(d, f) for d, _, files in os.walk(destdir) for f in files if d.startswith(prefix)]
        self.assertEqual(left, [])


if __name__ == "__main__":
    unittest.main()
