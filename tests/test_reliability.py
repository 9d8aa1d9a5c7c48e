"""Reliability: output files never destroy inputs and are written atomically (src/outfile.h), inputs are opened
before anything runs, signals end a run on a record boundary, non-blocking descriptors are waited for, models
that change while they load give a clean error, several processes agree. Runs ./rnnsearch (or RNNSEARCH_BIN,
under RNNSEARCH_TEST_WRAPPER: tests/clitools.py)."""
import glob
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import unittest

import clitools
import tinymodel

SOURCE = b"ein hund\nkatze\nein katze hund\n"


@unittest.skipUnless(os.access(clitools.BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class ReliabilityCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rnnsearch-rel-")
        cls.model = os.path.join(cls.tmp, "model.json")
        tinymodel.write(cls.model, tinymodel.build(src_words=["ein", "hund", "katze"],
                                                   tgt_words=["a", "dog", "cat"]))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def run_cli(self, args, stdin=b"", cwd=None):
        return clitools.run(["-m", self.model] + list(args), stdin, cwd=cwd)

    def shell(self, script):
        command = shlex.join(clitools.wrapper() + [clitools.BINARY])
        env = clitools.child_env(RNNSEARCH=command, MODEL=self.model)
        return subprocess.run(["bash", "-c", script], capture_output=True, env=env, cwd=self.dir,
                              timeout=clitools.timeout())

    def assertOneErrorLine(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result)
        text = result.stderr.decode("utf-8")
        self.assertTrue(text.startswith("rnnsearch: ") and text.count("\n") == 1, text)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def assertNoTemporaryFiles(self):
        self.assertEqual(glob.glob(os.path.join(self.dir, ".*.??????")), [])


class OutputIsNotAnInputTest(ReliabilityCase):
    def test_outputs_that_are_inputs_are_refused(self):
        source = self.write("same.de", SOURCE)
        for option in (["--align-csv", source], ["--heatmap", source], ["-o", source], ["--output", source]):
            with self.subTest(option=option):
                result = self.run_cli(["-b", "1"] + option + [source])
                self.assertOneErrorLine(result, "same.de is an input", "refusing")
                self.assertEqual(result.stdout, b"")
                self.assertEqual(self.read(source), SOURCE)
        self.assertNoTemporaryFiles()

    def test_a_link_to_an_input_is_the_input(self):
        source = self.write("real.de", SOURCE)
        os.symlink(source, self.path("link.de"))
        os.link(source, self.path("hard.de"))
        for name in ("link.de", "hard.de"):
            with self.subTest(name=name):
                result = self.run_cli(["-b", "1", "-o", self.path(name), source])
                self.assertOneErrorLine(result, "is an input")
        self.assertEqual(self.read(source), SOURCE)

    def test_outputs_that_are_the_model_are_refused(self):
        model = self.path("mm.json")
        shutil.copy(self.model, model)
        before = self.read(model)
        source = self.write("in.de", SOURCE)
        for option in (["--align-csv", model], ["--heatmap", model], ["-o", model]):
            with self.subTest(option=option):
                result = clitools.run(["-m", model, "-b", "1"] + option + [source])
                self.assertOneErrorLine(result, "mm.json is the model")
                self.assertEqual(self.read(model), before)

    def test_standard_output_appended_to_an_input_is_refused(self):
        self.write("f", SOURCE)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 f >> f')
        self.assertOneErrorLine(result, "standard output is an input (f)")
        self.assertEqual(self.read(self.path("f")), SOURCE)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 < f >> f')
        self.assertOneErrorLine(result, "standard output is an input (standard input)")
        self.assertEqual(self.read(self.path("f")), SOURCE)

    def test_two_outputs_to_one_file_are_refused(self):
        source = self.write("in.de", SOURCE)
        result = self.run_cli(["-b", "1", "-o", self.path("x"), "--align-csv", self.path("x"), source])
        self.assertOneErrorLine(result, "given as two outputs")
        self.assertFalse(os.path.exists(self.path("x")))
        self.assertNoTemporaryFiles()


class AtomicOutputTest(ReliabilityCase):
    def test_output_option_writes_what_standard_output_gets(self):
        source = self.write("in.de", SOURCE)
        expected = self.run_cli(["-b", "1", source]).stdout
        self.assertEqual(len(expected.splitlines()), 3)
        for option in ("-o", "--output"):
            with self.subTest(option=option):
                result = self.run_cli(["-b", "1", option, self.path("out.txt"), source])
                self.assertEqual((result.returncode, result.stdout, result.stderr), (0, b"", b""))
                self.assertEqual(self.read(self.path("out.txt")), expected)
        result = self.run_cli(["-b", "1", "-o", "-", source])
        self.assertEqual(result.stdout, expected)
        # -o with --align-csv -: the translations to the file, the CSV to standard output
        result = self.run_cli(["-b", "1", "-o", self.path("t.txt"), "--align-csv", "-", source])
        self.assertEqual(result.returncode, 0, result)
        self.assertTrue(result.stdout.startswith(b"id,hypothesis,"))
        self.assertEqual(self.read(self.path("t.txt")), expected)
        self.assertNoTemporaryFiles()

    def test_empty_output_name_is_a_usage_error(self):
        result = self.run_cli(["-o", ""])
        self.assertOneErrorLine(result, "--output: expected a file name")

    def test_failed_runs_leave_the_old_files(self):
        keep = {name: self.write(name, b"old " + name.encode() + b"\n") for name in ("k.csv", "k.txt", "k.svg")}
        source = self.write("in.de", SOURCE)
        outputs = ["--align-csv", keep["k.csv"], "-o", keep["k.txt"], "--heatmap", keep["k.svg"]]
        runs = [
            # the model fails to load: nothing is created or touched
            clitools.run(["-m", self.path("nonexistent.json"), "-b", "1"] + outputs + [source]),
            # a missing input after a good one: found before anything runs
            self.run_cli(["-b", "1"] + outputs + [source, self.path("missing")]),
            # a failure in the middle of the run (the third line of a --forced input has no tab)
            self.run_cli(["-b", "1", "--forced"] + outputs, b"ein\ta\nhund\tdog\nkatze\n"),
        ]
        for result in runs:
            with self.subTest(stderr=result.stderr):
                self.assertEqual(result.returncode, 2, result)
                for name, path in keep.items():
                    self.assertEqual(self.read(path), b"old " + name.encode() + b"\n")
        self.assertNoTemporaryFiles()

    def test_existing_outputs_keep_their_mode_and_links(self):
        source = self.write("in.de", SOURCE)
        target = self.write("target.txt", b"old\n")
        os.chmod(target, 0o640)
        os.symlink("target.txt", self.path("link.txt"))
        result = self.run_cli(["-b", "1", "-o", self.path("link.txt"), source])
        self.assertEqual(result.returncode, 0, result)
        self.assertTrue(os.path.islink(self.path("link.txt")))
        self.assertEqual(len(self.read(target).splitlines()), 3)
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o640)
        # a new file gets 0666 less the umask, as fopen gives
        result = self.shell(f'umask 027; $RNNSEARCH -m "$MODEL" -b 1 -o new.txt {shlex.quote(source)}')
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(stat.S_IMODE(os.stat(self.path("new.txt")).st_mode), 0o640)

    def test_devices_are_written_in_place(self):
        source = self.write("in.de", SOURCE)
        result = self.run_cli(["-b", "1", "-o", "/dev/null", "--align-csv", "/dev/null", source])
        self.assertEqual((result.returncode, result.stderr), (0, b""), result)
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_a_write_that_fails_leaves_no_partial_file(self):
        """A file size limit (EFBIG, as a full disk gives ENOSPC) on a per-line heatmap and on -o: one error
        line, the old file intact, no temporary file, no 0-byte SVG."""
        self.write("in.de", SOURCE)
        self.write("h0.svg", b"old\n")
        self.write("o.txt", b"old\n")
        for option in ("--heatmap 'h{id}.svg'", "-o o.txt --heatmap h1.svg"):
            with self.subTest(option=option):
                big = "for i in $(seq 400); do echo ein hund katze; done > big.de; "
                result = self.shell(big + f"trap '' XFSZ; ulimit -f 4; $RNNSEARCH -m \"$MODEL\" -b 1 {option} big.de"
                                    " > /dev/null")
                self.assertOneErrorLine(result, "File too large")
                self.assertEqual(self.read(self.path("h0.svg")), b"old\n")
                self.assertEqual(self.read(self.path("o.txt")), b"old\n")
                self.assertFalse(os.path.exists(self.path("h1.svg")))
                self.assertNoTemporaryFiles()


if __name__ == "__main__":
    unittest.main()
