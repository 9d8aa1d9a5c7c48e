"""Hostile input text and failing outputs. Whatever the bytes of the input (invalid UTF-8, NULs, CRLF, no final
newline, blank lines, lines of 100 MB, tens of thousands of lines), rnnsearch exits 0 and writes exactly one
result line per input line, in order, in bounded memory. A write that fails (a full disk, an unwritable file, a
closed standard output) is an error with one line on standard error and exit 2; a reader that goes away (a
closed pipe) ends the run quietly with exit 0, as Unix filters do. Runs ./rnnsearch (or RNNSEARCH_BIN, under
RNNSEARCH_TEST_WRAPPER: tests/clitools.py)."""
import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import unittest

import clitools
import tinymodel

MAX_LINE_BYTES = 1 << 20  # src/cli/session.h RS_MAX_LINE_BYTES
SLOW = bool(clitools.wrapper())  # under valgrind everything is 20-50 times slower: smaller inputs


def lines_of(data):
    """The lines of output bytes, split on b"\\n" only (what a line is for the tool)."""
    assert data.endswith(b"\n") or data == b"", data[-100:]
    return data.split(b"\n")[:-1]


@unittest.skipUnless(os.access(clitools.BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class IoTestCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rnnsearch-io-")
        cls.model = os.path.join(cls.tmp, "model.json")
        tinymodel.write(cls.model, tinymodel.build(src_words=["ein", "hund", "katze", "die", "\u00e9t\u00e9"],
                                                   tgt_words=["a", "dog", "cat", "the"]))
        # lowercase, accents and punctuation, for the tokenizer's paths
        cls.punct_model = os.path.join(cls.tmp, "punct.json")
        tinymodel.write(cls.punct_model, tinymodel.build(
            tokenizer={"lowercase": True, "fold_accents": True, "split_punctuation": True,
                       "target": {"capitalize": True}}, seed=3))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run_ok(self, args, stdin=b"", model=None):
        """Runs rnnsearch, which must exit 0; returns (stdout, stderr) as bytes."""
        argv = ["-m", model or self.model] + list(args)
        result = clitools.run(argv, stdin)
        self.assertEqual(result.returncode, 0, clitools.describe(argv, result))
        return result.stdout, result.stderr

    def translate(self, stdin, args=("-b", "1"), model=None, expect_lines=None):
        """Translates; checks exit 0, no stderr, valid UTF-8 and one line per input line. Returns the lines."""
        out, err = self.run_ok(args, stdin, model)
        self.assertEqual(clitools.without_length_limit_warning(err), b"")
        out.decode("utf-8")
        got = lines_of(out)
        if expect_lines is None:
            expect_lines = stdin.count(b"\n") + (0 if stdin.endswith(b"\n") or stdin == b"" else 1)
        self.assertEqual(len(got), expect_lines, out[:2000])
        return got

    def shell(self, script, **env):
        """Runs a bash script with $RNNSEARCH (the wrapped binary) and $MODEL; returns the CompletedProcess."""
        command = shlex.join(clitools.wrapper() + [clitools.BINARY])
        variables = clitools.child_env(RNNSEARCH=command, MODEL=self.model, **env)
        return subprocess.run(["bash", "-c", script], capture_output=True, env=variables,
                              timeout=clitools.timeout())

    def assertOneErrorLine(self, stderr, *fragments):
        text = stderr.decode("utf-8")
        self.assertTrue(text.startswith("rnnsearch: ") and text.endswith("\n") and text.count("\n") == 1, text)
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text


class InputBytesTest(IoTestCase):
    def test_invalid_utf8(self):
        lines = [b"\xff\xfe ein", b"ein \xc3", b"\xc0\xaf hund", b"\xed\xa0\x80\xed\xb0\x80", b"\xf4\x90\x80\x80",
                 b"\x80\x80\x80", b"katze \xe2\x82", b"\xf0\x9f\x98"]
        stdin = b"\n".join(lines) + b"\n"
        for args in (("-b", "1"), ("-b", "3", "--format", "jsonl", "-a"), ("-b", "2", "--align-csv", "-")):
            with self.subTest(args=args):
                if "--align-csv" in args:
                    out, err = self.run_ok(args, stdin)
                    self.assertEqual(clitools.without_length_limit_warning(err), b"")
                    out.decode("utf-8")
                    continue
                got = self.translate(stdin, args)
                if "jsonl" in args:
                    objects = [json.loads(line) for line in got]
                    self.assertEqual([o["id"] for o in objects], list(range(len(lines))))
                    self.assertEqual(objects[0]["source"], ["\ufffd\ufffd", "ein", "</s>"])  # U+FFFD each

    def test_nul_bytes(self):
        stdin = b"ein\x00hund\n\x00\x00\x00\x00\n\x00\nkatze\x00\n" + b"\x00" * 100000 + b"\n"
        got = self.translate(stdin, ("-b", "1", "--format", "jsonl"))
        objects = [json.loads(line) for line in got]
        self.assertEqual(objects[0]["source"], ["ein", "hund", "</s>"])  # NUL separates tokens
        for o in objects[1:3] + objects[4:]:
            self.assertEqual(o["source"], [])  # a line of NULs is an empty line
            self.assertEqual(o["hypotheses"][0]["text"], "")
        self.assertEqual(objects[3]["source"], ["katze", "</s>"])

    def test_crlf_gives_the_same_output_as_lf(self):
        lf = b"ein hund\nkatze\n\ndie katze \n \xc3\xa9t\xc3\xa9\n"
        crlf = lf.replace(b"\n", b"\r\n")
        for args in (("-b", "1"), ("-b", "3", "-n", "2"), ("-b", "2", "--format", "jsonl", "-a"),
                     ("-b", "1", "--alignments"), ("-b", "1", "--align-csv", "-")):
            for model in (self.model, self.punct_model):
                with self.subTest(args=args, model=os.path.basename(model)):
                    self.assertEqual(self.run_ok(args, crlf, model), self.run_ok(args, lf, model))
        # CRLF in a file read in batches too, and a file without the final CRLF
        path = self.write("crlf.txt", crlf[:-2])
        self.assertEqual(self.run_ok(["-b", "1", path]), self.run_ok(["-b", "1"], lf))

    def test_carriage_returns_inside_lines(self):
        # A CR that does not end the line is whitespace: no line ends there.
        got = self.translate(b"ein\rhund\n\r\r\nkatze\r\r\n\r\n", ("-b", "1", "--format", "jsonl"))
        sources = [json.loads(line)["source"] for line in got]
        self.assertEqual(sources, [["ein", "hund", "</s>"], [], ["katze", "</s>"], []])

    def test_no_final_newline(self):
        with_newline = self.run_ok(["-b", "1"], b"ein hund\nkatze\n")
        self.assertEqual(self.run_ok(["-b", "1"], b"ein hund\nkatze"), with_newline)
        path = self.write("no-newline.txt", b"ein hund\nkatze")
        self.assertEqual(self.run_ok(["-b", "1", path]), with_newline)
        # two files: the last line of the first does not run into the first line of the second
        other = self.write("other.txt", b"katze")
        out, _ = self.run_ok(["-b", "1", "--format", "jsonl", path, other])
        sources = [json.loads(line)["source"] for line in lines_of(out)]
        self.assertEqual(sources, [["ein", "hund", "</s>"], ["katze", "</s>"], ["katze", "</s>"]])
        self.assertEqual(self.translate(b"\xff\x00 \r"), self.translate(b"\xff\x00 \r\n"))

    def test_empty_and_whitespace_only_lines(self):
        blanks = [b"", b" ", b"\t", b"   \t  ", b"\x0b", b"\x0c", b"\x1c\x1d\x1e\x1f", b"\xc2\xa0", b"\xe3\x80\x80",
                  b"\xe2\x80\x83", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xef\xbb\xbf", b"\x7f", b"\r"]
        stdin = b"\n".join(blanks) + b"\n"
        for args in (("-b", "1"), ("-b", "4")):
            with self.subTest(args=args):
                self.assertEqual(self.translate(stdin, args), [b""] * len(blanks))
        got = self.translate(stdin, ("-b", "3", "-n", "2"), expect_lines=len(blanks))
        self.assertEqual(got, [b"%d |||  ||| 0.000000 ||| 0.000000" % i for i in range(len(blanks))])
        for line in self.translate(stdin, ("--format", "jsonl", "-a")):
            o = json.loads(line)
            self.assertEqual((o["source"], o["hypotheses"][0]["tokens"]), ([], []))

    def test_unicode_line_separators_do_not_end_lines(self):
        # Only \n ends an input line; U+2028, U+0085, VT and FF are whitespace inside it.
        stdin = "ein\u2028hund\u0085katze\x0bdie\x0c\u2029ein\n".encode()
        got = self.translate(stdin, ("-b", "1", "--format", "jsonl"))
        self.assertEqual(json.loads(got[0])["source"], ["ein", "hund", "katze", "die", "ein", "</s>"])
        out, _ = self.run_ok(["-b", "2", "-a"], stdin)
        self.assertNotIn("\u2028".encode(), out)

    def test_tens_of_thousands_of_lines(self):
        count = 3000 if SLOW else 30000
        words = [b"ein", b"hund", b"katze", b"die", b"\xc3\xa9t\xc3\xa9", b"\xff", b"", b"  "]
        lines = [b" ".join(words[(i * 7 + k) % len(words)] for k in range(i % 5)) for i in range(count)]
        stdin = b"\n".join(lines) + b"\n"
        got = self.translate(stdin, ("-b", "1", "--format", "jsonl"))
        ids = [json.loads(line)["id"] for line in got]
        self.assertEqual(ids, list(range(count)))
        # the same from a file (read in batches) and line by line through a pipe
        path = self.write("many.txt", stdin)
        out, _ = self.run_ok(["-b", "1", "--format", "jsonl", path])
        self.assertEqual(lines_of(out), got)
        # each line as it would be alone (a sample)
        for i in range(0, count, count // 7):
            alone = self.translate(lines[i] + b"\n", ("-b", "1", "--format", "jsonl"))[0]
            self.assertEqual(json.loads(alone)["hypotheses"], json.loads(got[i])["hypotheses"])
        text = self.translate(stdin, ("-b", "2"))
        self.assertEqual(len(text), count)


class LongLineTest(IoTestCase):
    """A line longer than RS_MAX_LINE_BYTES (1 MiB) is cut there with a warning; --max-source-tokens keeps
    its first 1024 tokens. Memory stays bounded whatever the line's length."""

    SIZE = 3 * MAX_LINE_BYTES if SLOW else 100 * 1000 * 1000

    # Runs argv[1:] with stdin, stdout and stderr from/to the files argv[1..3] and prints its peak RSS in KiB.
    # A child's ru_maxrss starts at its parent's at fork time, so the measuring parent must be small: not the
    # test process, which may hold hundreds of MB (PyTorch in the same unittest run).
    MEASURE = ("import resource, subprocess, sys\n"
               "with open(sys.argv[1], 'rb') as i, open(sys.argv[2], 'wb') as o, open(sys.argv[3], 'wb') as e:\n"
               "    feeder = subprocess.Popen(['cat'], stdin=i, stdout=subprocess.PIPE)\n"
               "    status = subprocess.call(sys.argv[4:], stdin=feeder.stdout, stdout=o, stderr=e)\n"
               "    feeder.stdout.close()\n"
               "    feeder.wait()\n"
               "print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")

    def run_measured(self, args, data):
        """Runs rnnsearch with data as stdin (through a pipe: it reads line by line); returns (status, stdout,
        stderr, peak RSS in MiB)."""
        stdin_path = self.write("long-input", data)
        out_path, err_path = self.path("long-out"), self.path("long-err")
        command = clitools.wrapper() + [clitools.BINARY, "-m", self.model] + list(args)
        result = subprocess.run(["/usr/bin/python3", "-S", "-c", self.MEASURE, stdin_path, out_path, err_path]
                                + command, capture_output=True, env=clitools.child_env(), timeout=clitools.timeout())
        self.assertEqual(result.returncode, 0, result)
        status, rss = (int(x) for x in result.stdout.split())
        with open(out_path, "rb") as f:
            stdout = f.read()
        with open(err_path, "rb") as f:
            stderr = f.read()
        os.remove(stdin_path)
        return status, stdout, stderr, rss / 1024

    def check_long(self, data, tokens_expected, args=("-b", "1", "--format", "jsonl")):
        status, out, err, rss = self.run_measured(args, data)
        self.assertEqual(status, 0, err)
        got = lines_of(out)
        self.assertEqual(len(got), data.count(b"\n") + (0 if data.endswith(b"\n") else 1))
        warnings = clitools.without_length_limit_warning(err).decode("utf-8").splitlines()
        self.assertTrue(warnings, "no warning")
        first_line = data.split(b"\n")[0]
        self.assertIn(f"line of {len(first_line)} bytes, only the first {MAX_LINE_BYTES} are read", warnings[0])
        for warning in warnings:
            self.assertTrue(warning.startswith("rnnsearch: warning: standard input:1: "), warning)
        if not clitools.wrapper() and not os.environ.get("RNNSEARCH_BIN"):
            self.assertLess(rss, 48, f"{rss:.0f} MiB for a line of {len(data)} bytes")
        first = json.loads(got[0])
        self.assertEqual(len(first["source"]), tokens_expected + 1 if tokens_expected else 0)  # with </s>
        return first, warnings

    def test_100_mb_line_of_words(self):
        data = b"ein hund " * (self.SIZE // 9) + b"\nkatze\n"
        first, warnings = self.check_long(data, 1024)
        self.assertEqual(len(warnings), 2)
        tokens = len(data[:MAX_LINE_BYTES].split())
        self.assertIn(f"standard input:1: {tokens} tokens, only the first 1024 are translated", warnings[1])

    def test_100_mb_line_without_newline(self):
        self.check_long(b"katze " * (self.SIZE // 6), 1024)

    def test_100_mb_of_nuls(self):
        first, warnings = self.check_long(b"\x00" * self.SIZE + b"\n\x00\n", 0)
        self.assertEqual(len(warnings), 1)
        self.assertEqual(first["hypotheses"][0]["tokens"], [])

    def test_100_mb_single_token(self):
        first, _ = self.check_long(b"x" * self.SIZE, 1)
        self.assertEqual(len(first["source"][0]), MAX_LINE_BYTES)

    def test_cut_falls_on_a_character_boundary(self):
        # 2-byte characters with the cut inside one: the partial character is dropped, no U+FFFD appears
        data = b"a" + "\u00e9".encode() * MAX_LINE_BYTES + b"\n"
        first, _ = self.check_long(data, 1)
        token = first["source"][0]
        self.assertEqual(token, "a" + "\u00e9" * ((MAX_LINE_BYTES - 1) // 2))
        data = "\U0001f600".encode() * MAX_LINE_BYTES + b"\n"
        first, _ = self.check_long(data, 1)
        self.assertEqual(first["source"][0], "\U0001f600" * (MAX_LINE_BYTES // 4))

    def test_line_at_the_limit_is_read_whole(self):
        data = b"x" * (MAX_LINE_BYTES - 2) + b" y\n"
        out, err = self.run_ok(["-b", "1", "--format", "jsonl"], data)
        self.assertEqual(clitools.without_length_limit_warning(err), b"")
        self.assertEqual(json.loads(out)["source"], ["x" * (MAX_LINE_BYTES - 2), "y", "</s>"])
        data = b"x" * (MAX_LINE_BYTES - 1) + b" y\r\n"  # the line end is not counted
        out, err = self.run_ok(["-b", "1", "--format", "jsonl"], data)
        self.assertIn(b"are read", err)
        self.assertEqual(json.loads(out)["source"], ["x" * (MAX_LINE_BYTES - 1), "</s>"])

    def test_many_tokens_within_the_limit(self):
        # 500000 one-letter tokens: only --max-source-tokens are kept, the rest counted
        data = b"a " * 500000 + b"\n"
        out, err = self.run_ok(["-b", "1", "--format", "jsonl", "--max-source-tokens", "3"], data)
        self.assertEqual(err.decode().count("\n"), 1)
        self.assertIn(b"500000 tokens, only the first 3 are translated", err)
        self.assertEqual(json.loads(out)["source"], ["a", "a", "a", "</s>"])


class InputFilesTest(IoTestCase):
    def test_empty_input(self):
        self.assertEqual(self.run_ok(["-b", "1"], b""), (b"", b""))
        self.assertEqual(self.run_ok(["-b", "1", "/dev/null"]), (b"", b""))
        out, _ = self.run_ok(["-b", "1", "--align-csv", "-"], b"")
        self.assertEqual(out, b"id,hypothesis,target_index,target_token,source_index,source_token,weight\r\n")

    def test_unreadable_inputs(self):
        directory = self.path("a-directory")
        os.makedirs(directory, exist_ok=True)
        for path, fragment in ((self.path("missing.txt"), "No such file"), (directory, "Is a directory")):
            with self.subTest(path=path):
                result = clitools.run(["-m", self.model, "-b", "1", path])
                self.assertEqual(result.returncode, 2)
                self.assertOneErrorLine(result.stderr, path, fragment)
        # every input is opened before anything is translated: a bad file anywhere stops the run at once
        good = self.write("good.txt", b"ein\nhund\n")
        result = clitools.run(["-m", self.model, "-b", "1", good, self.path("missing.txt"), good])
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, b"")
        self.assertOneErrorLine(result.stderr, "missing.txt", "No such file")

    def test_directory_as_standard_input(self):
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 < /')
        self.assertEqual(result.returncode, 2, result)
        self.assertOneErrorLine(result.stderr, "read error on standard input", "Is a directory")

    def test_closed_stdin(self):
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 <&-')
        self.assertIn(result.returncode, (0, 2), result)
        if result.returncode == 2:
            self.assertOneErrorLine(result.stderr, "standard input")
        else:
            self.assertEqual((result.stdout, result.stderr), (b"", b""))

    def test_pipe_is_answered_line_by_line(self):
        if SLOW:
            self.skipTest("timing under a memory checker")
        child = subprocess.Popen([clitools.BINARY, "-m", self.model, "-b", "1"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clitools.child_env())
        try:
            for line in (b"ein hund\n", b"\xff\x00\n", b"\n", b"katze\r\n"):
                child.stdin.write(line)
                child.stdin.flush()
                ready, _, _ = select.select([child.stdout], [], [], 20)
                self.assertTrue(ready, f"no answer to {line!r} before the next line")
                self.assertTrue(child.stdout.readline().endswith(b"\n"))
        finally:
            child.stdin.close()
            child.wait(20)
            child.stdout.close()
            child.stderr.close()
        self.assertEqual(child.returncode, 0)


class OutputFailureTest(IoTestCase):
    def test_full_disk_on_standard_output(self):
        for args in (("-b", "1"), ("-b", "1", "--format", "jsonl", "-a"), ("-b", "2", "-n", "2"),
                     ("-b", "1", "--align-csv", "-"), ("--help",), ("--version",)):
            with self.subTest(args=args):
                result = self.shell('printf "ein hund\\nkatze\\n" | $RNNSEARCH -m "$MODEL" '
                                    + shlex.join(args) + " > /dev/full")
                self.assertEqual(result.returncode, 2, result)
                self.assertOneErrorLine(result.stderr, "write error on standard output", "No space left on device")

    def test_full_disk_with_many_lines_from_a_file(self):
        path = self.write("lines.txt", b"ein hund\n" * 5000)
        result = self.shell(f'$RNNSEARCH -m "$MODEL" -b 1 {shlex.quote(path)} > /dev/full')
        self.assertEqual(result.returncode, 2, result)
        self.assertOneErrorLine(result.stderr, "write error on standard output", "No space left on device")

    def test_full_disk_for_the_csv_file(self):
        result = clitools.run(["-m", self.model, "-b", "1", "--align-csv", "/dev/full"], b"ein hund\n")
        self.assertEqual(result.returncode, 2, result)
        self.assertOneErrorLine(result.stderr, "write error on /dev/full", "No space left on device")

    def test_unwritable_csv_file(self):
        directory = self.path("csv-directory")
        os.makedirs(directory, exist_ok=True)
        for path in (directory, self.path("no/such/dir/out.csv")):
            with self.subTest(path=path):
                result = clitools.run(["-m", self.model, "-b", "1", "--align-csv", path], b"ein hund\n")
                self.assertEqual(result.returncode, 2, result)
                self.assertEqual(result.stdout, b"")
                self.assertOneErrorLine(result.stderr, path)
        # a file in a directory that takes no new files: the temporary file beside it cannot be made
        result = clitools.run(["-m", self.model, "-b", "1", "--align-csv", "/proc/version"], b"ein hund\n")
        self.assertEqual(result.returncode, 2, result)
        self.assertOneErrorLine(result.stderr, "cannot create /proc/version")

    def test_closed_standard_output_is_an_error(self):
        result = self.shell('printf "ein hund\\n" | $RNNSEARCH -m "$MODEL" -b 1 >&-')
        self.assertEqual(result.returncode, 2, result)
        self.assertOneErrorLine(result.stderr, "write error on standard output")

    def test_closed_pipe_ends_quietly(self):
        count = 2000 if SLOW else 50000
        for args in (("-b", "1"), ("-b", "1", "--format", "jsonl", "-a"), ("-b", "2", "-n", "2"),
                     ("-b", "1", "--align-csv", "-")):
            for source in ("pipe", "file"):
                with self.subTest(args=args, input=source):
                    if source == "file":
                        script = (f'yes "ein hund" | head -n {count} > "$TMPFILE"; $RNNSEARCH "$TMPFILE" -m "$MODEL" '
                                  f'{shlex.join(args)} 2> "$ERRFILE" | head -n 1 > /dev/null; '
                                  'echo "${PIPESTATUS[0]}"')
                    else:
                        script = (f'yes "ein hund" | head -n {count} | $RNNSEARCH -m "$MODEL" {shlex.join(args)} '
                                  '2> "$ERRFILE" | head -n 1 > /dev/null; echo "${PIPESTATUS[2]}"')
                    err_file = self.path("pipe-err")
                    result = self.shell(script, TMPFILE=self.path("pipe-in"), ERRFILE=err_file)
                    with open(err_file, "rb") as f:
                        stderr = f.read()
                    self.assertEqual(result.stdout.strip(), b"0", (result, stderr))
                    self.assertEqual(stderr, b"")

    def test_closed_pipe_with_the_csv_in_a_file(self):
        csv = self.path("pipe.csv")
        script = (f'yes "ein hund" | head -n 20000 | $RNNSEARCH -m "$MODEL" -b 1 --align-csv {shlex.quote(csv)} '
                  '| head -n 1 > /dev/null; echo "${PIPESTATUS[2]}"')
        result = self.shell(script)
        self.assertEqual(result.stdout.strip(), b"0", result)
        self.assertEqual(result.stderr, b"")
        with open(csv, "rb") as f:
            self.assertTrue(f.read().startswith(b"id,hypothesis"))


class CheckAndForcedTest(IoTestCase):
    def expected_file(self, sources, newline=b"\n"):
        out, _ = self.run_ok(["-b", "1"], b"\n".join(sources) + b"\n")
        pairs = [s + b"\t" + t for s, t in zip(sources, lines_of(out))]
        return newline.join(pairs) + newline

    def test_check_file_with_crlf(self):
        sources = [b"ein hund", b"katze", b"die \xc3\xa9t\xc3\xa9", b"\xff\xfe", b"ein\x00hund"]
        for newline, final in ((b"\n", True), (b"\r\n", True), (b"\r\n", False), (b"\n", False)):
            with self.subTest(newline=newline, final=final):
                data = self.expected_file(sources, newline)
                if not final:
                    data = data[:-len(newline)]
                path = self.write("check.tsv", data)
                out, err = self.run_ok(["-b", "1", "--check", path])
                self.assertEqual(err, b"")
                self.assertEqual(out, b"check: all 5 lines match\n")

    def test_check_file_with_blank_lines_and_a_mismatch(self):
        data = self.expected_file([b"ein hund"]) + b"\r\n\n" + b"katze\tnot this\r\n"
        path = self.write("check2.tsv", data)
        result = clitools.run(["-m", self.model, "-b", "1", "--check", path])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn(b":4: differs", result.stdout)
        self.assertIn(b"check: 1 of 4 lines differ", result.stdout)

    def test_unreadable_check_file(self):
        directory = self.path("check-directory")
        os.makedirs(directory, exist_ok=True)
        for path in (directory, self.path("missing.tsv")):
            with self.subTest(path=path):
                result = clitools.run(["-m", self.model, "-b", "1", "--check", path])
                self.assertEqual(result.returncode, 2, result)
                self.assertOneErrorLine(result.stderr, path)

    def test_forced_crlf_equals_lf(self):
        lf = b"ein hund\ta dog\nkatze\tcat\n\n\xff\t\xfe\n"
        out_lf, _ = self.run_ok(["--forced", "--format", "jsonl", "-a"], lf)
        out_crlf, _ = self.run_ok(["--forced", "--format", "jsonl", "-a"], lf.replace(b"\n", b"\r\n"))
        self.assertEqual(out_crlf, out_lf)
        self.assertEqual(len(lines_of(out_lf)), 4)


if __name__ == "__main__":
    unittest.main()
