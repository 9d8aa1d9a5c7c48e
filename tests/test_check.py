"""--check beyond the spec: self-describing files (`# rnnsearch-check: OPTIONS`), byte-for-byte comparison with
lengths (NULs, trailing spaces), and reports that show invisible differences with a caret under the first
differing column. README.md "Regression mode" is the yardstick."""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clitools import BINARY, ROOT, describe, fixture, run  # noqa: E402

MODEL = fixture("bi2_additive.json")
LINES = ["ein hund läuft", "die frau sieht den ball", "das kind spielt im park", "katze", "", "xyz qqq"]
DEU_ENG = os.path.join(ROOT, "models", "deu-eng.json")


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class CheckFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rnnsearch-check-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def outputs(self, args, lines=LINES):
        result = run(["-m", MODEL] + args, "".join(line + "\n" for line in lines))
        self.assertEqual(result.returncode, 0, describe(args, result))
        return result.stdout.decode("utf-8").split("\n")[:-1]

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def check_file(self, args, header=None, lines=LINES):
        body = "".join(f"{s}\t{o}\n" for s, o in zip(lines, self.outputs(args, lines)))
        return self.write("check.tsv", (f"# rnnsearch-check: {header}\n" if header is not None else "") + body)

    def test_header_records_the_options(self):
        """A file made with -b 3 --alignments passes without them once its header says so; without the header
        the same file needs them on the command line."""
        args = ["-b", "3", "--alignments", "--max-length", "7", "--length-penalty", "0.2"]
        path = self.check_file(args, header=" ".join(args))
        result = run(["-m", MODEL, "--check", path])
        self.assertEqual((result.returncode, result.stderr), (0, b""), describe([], result))
        self.assertEqual(result.stdout.decode(), f"check: all {len(LINES)} lines match\n")
        for form in ("--beam=3 --alignments --max-length=7 --length-penalty 0.2",
                     "-b3 --alignments --max-length 7 --length-penalty=0.2",
                     "\t-b 3  --alignments --max-length 7 --length-penalty 0.2 "):
            with self.subTest(header=form):
                path = self.check_file(args, header=form)
                self.assertEqual(run(["-m", MODEL, "--check", path]).returncode, 0)
        headerless = self.check_file(args)
        self.assertEqual(run(["-m", MODEL, "--check", headerless]).returncode, 1)
        self.assertEqual(run(["-m", MODEL, "--check", headerless] + args).returncode, 0)

    def test_command_line_overrides_the_header_with_a_warning(self):
        path = self.check_file(["-b", "3"], header="-b 3")
        same = run(["-m", MODEL, "-b", "3", "--check", path])
        self.assertEqual((same.returncode, same.stderr), (0, b""), describe([], same))
        other = run(["-m", MODEL, "-b", "1", "--max-length", "2", "--check", path])
        self.assertEqual(other.returncode, 1, describe([], other))
        err = other.stderr.decode()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith(f"rnnsearch: warning: {path}:1: the command line changes the decoding "
                                       "options the file records (-b 3)"), err)

    def test_header_with_other_options_or_bad_values_exits_2(self):
        cases = [("--format jsonl", "'--format'"), ("-m other.json", "'-m'"), ("-a", "'-a'"),
                 ("--beam 0", "--beam: expected a positive integer"), ("-b", "needs an argument"),
                 ("--max-length x", "--max-length: expected a positive integer"), ("extra", "'extra'"),
                 ("--no-split-sentences=1", "takes no argument"), ("--bea 3", "'--bea'")]
        for header, message in cases:
            with self.subTest(header=header):
                path = self.write("bad.tsv", f"# rnnsearch-check: {header}\nein hund\tx\n")
                result = run(["-m", MODEL, "--check", path])
                self.assertEqual(result.returncode, 2, describe([], result))
                self.assertEqual(result.stdout, b"")
                err = result.stderr.decode()
                self.assertEqual(err.count("\n"), 1, err)
                self.assertTrue(err.startswith(f"rnnsearch: {path}:1: "), err)
                self.assertIn(message, err)

    def test_header_only_on_the_first_line(self):
        """Later `# rnnsearch-check:` lines are pairs like any other (this one has no tab: an error)."""
        path = self.write("late.tsv", "ein hund\tx\n# rnnsearch-check: -b 1\n")
        result = run(["-m", MODEL, "--check", path])
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{path}:2: no tab", result.stderr.decode())
        # an empty header is allowed and changes nothing; line numbers count the header
        outputs = self.outputs([])
        path = self.write("empty.tsv", "# rnnsearch-check:\n" + "".join(f"{s}\t{o}\n" for s, o in zip(LINES, outputs))
                          + "katze\twrong\n")
        result = run(["-m", MODEL, "--check", path])
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{path}:{len(LINES) + 2}: differs", result.stdout.decode())

    def test_header_from_standard_input(self):
        body = "".join(f"{s}\t{o}\n" for s, o in zip(LINES, self.outputs(["-b", "2"])))
        result = run(["-m", MODEL, "--check", "-"], "# rnnsearch-check: -b 2\n" + body)
        self.assertEqual((result.returncode, result.stdout.decode()), (0, f"check: all {len(LINES)} lines match\n"))

    def report(self, data, args=()):
        path = self.write("diff.tsv", data)
        result = run(["-m", MODEL, "-b", "1", "--check", path] + list(args))
        self.assertEqual(result.returncode, 1, describe([], result))
        return path, result.stdout.decode("utf-8")

    def test_trailing_space_and_invisible_characters_show(self):
        got = self.outputs(["-b", "1"], ["ein hund"])[0]
        path, report = self.report(f"ein hund\t{got} \n")
        self.assertEqual(report, f"{path}:1: differs at column {len(got) + 1}\n"
                                 f"  source:   ein hund\n"
                                 f"  expected: {got}\\x20\n"
                                 f"  got:      {got}\n"
                                 f"{' ' * (12 + len(got))}^\n"
                                 "check: 1 of 1 lines differ\n")
        # a no-break space for a space, a tab, a zero-width space: each escaped, the caret at the first
        words = got.split(" ")
        expected = words[0] + "\u00a0" + " ".join(words[1:]) + "\t\u200b"
        path, report = self.report(f"ein hund\t{expected}\n")
        lines = report.split("\n")
        self.assertEqual(lines[0], f"{path}:1: differs at column {len(words[0]) + 1}")
        self.assertEqual(lines[2], "  expected: " + words[0] + "\\u00A0" + " ".join(words[1:]) + "\\t\\u200B")
        self.assertEqual(lines[4], " " * (12 + len(words[0])) + "^")

    def test_nul_and_what_follows_it_count(self):
        """Issue 13 item 5: a NUL must not hide the rest of the expected line."""
        got = self.outputs(["-b", "1"], ["ein hund"])[0]
        path, report = self.report(f"ein hund\t{got}\0TOTALLY WRONG\n".encode())
        self.assertIn(f"  expected: {got}\\0TOTALLY WRONG\n  got:      {got}\n", report)
        self.assertTrue(report.endswith("check: 1 of 1 lines differ\n"))
        # in the source too: translated as the tokenizer reads it (NUL separates), shown escaped
        path, report = self.report(b"ein\0hund\tnot this\n")
        self.assertIn("  source:   ein\\0hund\n", report)
        # control characters, CR inside a line, ill-formed UTF-8
        path, report = self.report(b"ein hund\ta\x01b\rc\xff\n")
        self.assertIn("  expected: a\\x01b\\rc\\xFF\n", report)

    def test_column_is_in_characters(self):
        got = self.outputs(["-b", "1"], ["ein hund"])[0]
        path, report = self.report(f"ein hund\téé{got[2:]}\n")
        self.assertIn(f"{path}:1: differs at column 1\n", report)
        self.assertTrue(report.split("\n")[4] == " " * 12 + "^", report)

    @unittest.skipUnless(os.path.exists(DEU_ENG), "models/deu-eng.json is missing")
    def test_regression_files_describe_themselves(self):
        """tests/regression/*.tsv start with their header and pass with no decoding option given (the README's
        example command)."""
        for name in ("deu-eng", "fra-eng", "eng-fra", "fra-eng-word"):
            tsv = os.path.join(ROOT, "tests", "regression", name + ".tsv")
            with self.subTest(name=name):
                with open(tsv, encoding="utf-8") as f:
                    first = f.readline()
                self.assertTrue(first.startswith("# rnnsearch-check: "), first)
                result = run(["-m", os.path.join(ROOT, "models", name + ".json"), "--check", tsv])
                self.assertEqual((result.returncode, result.stderr), (0, b""), describe([], result))


if __name__ == "__main__":
    unittest.main()
