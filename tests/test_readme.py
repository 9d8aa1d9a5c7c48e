"""README.md's examples run as written: every `./rnnsearch` command line of its ```sh blocks exits 0, and every
transcript (a ``` block starting with `$ COMMAND`) prints what the README shows (the speed of --report-time and
the paths of --list-models excepted: their shape is checked). The ```python blocks that import rnnsearch run
(matplotlib drawing off screen) and the files they save appear; the ```c blocks that include rnnsearch.h compile
against build/librnnsearch.a without a warning and run. Commands run in a scratch directory that links the
repository's rnnsearch, data, models, tests, scripts, src and build, so files they write do not land in the
repository. Needs the bundled models (models/*.json) and ./rnnsearch (and `make lib` for the library's blocks)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clitools import BINARY, ROOT, child_env  # noqa: E402

README = os.path.join(ROOT, "README.md")
LIBRARY = os.path.join(ROOT, "build", "librnnsearch.so.1")
STATIC_LIBRARY = os.path.join(ROOT, "build", "librnnsearch.a")
# the static library's own dependencies, as its pkg-config file's Libs.private names them
LINK_FLAGS = ["-lcjson", "-lm", "-pthread"]
COMMAND = re.compile(r"^(?:\./rnnsearch|(?:echo|printf|mkdir) .*)")
COMMENT = re.compile(r"\s{2,}# .*$")


def blocks():
    """(language, lines) of each fenced block of README.md."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return [(m.group(1), m.group(2).split("\n")[:-1]) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def command_lines():
    for language, lines in blocks():
        if language == "sh":
            for line in lines:
                if COMMAND.match(line) and "rnnsearch" in line or line.startswith("mkdir "):
                    yield COMMENT.sub("", line)


def transcripts():
    """(command, output lines) of each `$ COMMAND` of the plain ``` blocks, trailing empty lines dropped."""
    for language, lines in blocks():
        if language or not lines or not re.match(r"\$ (\./rnnsearch|(echo|printf) .*\./rnnsearch)", lines[0]):
            continue
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")] + [len(lines)]
        for start, end in zip(starts, starts[1:]):
            yield lines[start][2:], trimmed(lines[start + 1:end])


def trimmed(lines):
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


@unittest.skipUnless(os.access(BINARY, os.X_OK) and os.path.exists(os.path.join(ROOT, "models", "deu-eng.json")),
                     "./rnnsearch or the bundled models are missing")
class ReadmeTest(unittest.TestCase):
    maxDiff = 6000

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="rnnsearch-readme-")
        os.symlink(BINARY, os.path.join(cls.directory, "rnnsearch"))
        for name in ("data", "models", "tests", "scripts", "src", "build"):
            os.symlink(os.path.join(ROOT, name), os.path.join(cls.directory, name))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, True)

    def shell(self, command):
        # A build elsewhere (make check-asan: build/asan/rnnsearch) finds no models/ beside itself: point -m NAME
        # and the default model at the repository's, as they are for ./rnnsearch.
        beside = os.path.realpath(os.path.dirname(BINARY)) == os.path.realpath(ROOT)
        env = child_env() if beside else child_env(RNNSEARCH_MODEL_PATH=os.path.join(ROOT, "models"))
        return subprocess.run(["bash", "-c", command], cwd=self.directory, capture_output=True, env=env, timeout=300)

    def test_example_commands_run(self):
        commands = list(command_lines())
        self.assertGreater(len(commands), 10)
        for command in commands:
            with self.subTest(command=command):
                result = self.shell(command + " > /dev/null")
                self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace")[-2000:])

    def test_transcripts_show_the_real_output(self):
        shown = list(transcripts())
        self.assertGreater(len(shown), 3)
        for command, lines in shown:
            with self.subTest(command=command):
                result = self.shell(command)
                self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace")[-2000:])
                if "--report-time" in command:
                    got = result.stderr.decode().splitlines()
                    self.assertEqual(len(got), len(lines))
                    pattern = re.sub(r"\d+(\.\d+)?", r"\\d+(\\.\\d+)?", re.escape(lines[0]))
                    self.assertRegex(got[0], "^" + pattern + "$")
                    continue
                got = trimmed(result.stdout.decode("utf-8").split("\n"))
                if "--list-models" in command:  # paths differ from machine to machine
                    got = [re.sub(r" /\S+/", " /", line) for line in got]
                    lines = [re.sub(r" /\S+/", " /", line) for line in lines]
                self.assertEqual(got, lines, f"README.md shows other output for `{command}`: refresh it from the "
                                             "command's real output")

    def library_blocks(self, language, marker):
        if not os.path.exists(LIBRARY):
            self.skipTest("build/librnnsearch.a or .so.1 missing (make lib)")
        code = ["\n".join(lines) + "\n" for kind, lines in blocks() if kind == language and marker in "\n".join(lines)]
        self.assertGreater(len(code), 0)
        return code

    def test_python_examples_run(self):
        for code in self.library_blocks("python", "import rnnsearch"):
            with self.subTest(code=code[:200]):
                env = child_env(MPLBACKEND="Agg", RNNSEARCH_LIBRARY=None)
                result = subprocess.run([sys.executable, "-"], input=code.encode(), cwd=self.directory,
                                        capture_output=True, env=env, timeout=300)
                self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace")[-2000:])
                for saved in re.findall(r'savefig\("([^"]+)"', code):
                    self.assertGreater(os.path.getsize(os.path.join(self.directory, saved)), 1000)

    def test_c_examples_run(self):
        if not shutil.which("cc"):
            self.skipTest("no C compiler")
        for n, code in enumerate(self.library_blocks("c", "#include <rnnsearch.h>")):
            with self.subTest(code=code[:200]):
                source, program = (os.path.join(self.directory, f"example{n}{ext}") for ext in (".c", ""))
                with open(source, "w", encoding="utf-8") as f:
                    f.write(code)
                compile_ = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(ROOT, "src", "include"),
                            "-o", program, source, STATIC_LIBRARY] + LINK_FLAGS
                result = subprocess.run(compile_, capture_output=True, timeout=300)
                self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace"))
                result = subprocess.run([program], cwd=self.directory, capture_output=True, env=child_env(),
                                        timeout=300)
                self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace"))
                self.assertTrue(result.stdout)


if __name__ == "__main__":
    unittest.main()
