"""The progress line of ./rnnsearch (src/cli/progress.h): drawn on standard error when it is a terminal (a pty here)
and the input is regular files, redrawn in place and erased at the end; never on standard output, and not
when standard error is a pipe, the input a pipe, or --quiet is given."""
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import termios
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from clitools import BINARY, child_env, fixture, timeout, wrapper  # noqa: E402

MODEL = fixture("bi2_additive.json")
STATUS = re.compile(r"\rrnnsearch: (\d+) lines, \d+\.\d lines/s, (\d+)%, ETA (\d+:\d\d|\?)\x1b\[K")
ERASE = "\r\x1b[K"


def run_with_tty_stderr(args, stdin=subprocess.DEVNULL, stdout_too=False):
    """Runs rnnsearch with standard error (and with stdout_too standard output) on a new pty; returns (exit
    status, stdout bytes, what the terminal got as str)."""
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # the terminal gets the bytes as written, "\n" not made "\r\n"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    proc = subprocess.Popen(wrapper() + [BINARY] + args, stdin=stdin,
                            stdout=slave if stdout_too else subprocess.PIPE, stderr=slave, env=child_env())
    os.close(slave)
    terminal = b""
    deadline = time.monotonic() + timeout()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the pty is gone
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    stdout = b""
    if not stdout_too:
        stdout = proc.stdout.read()
        proc.stdout.close()
    return proc.wait(timeout=timeout()), stdout, terminal.decode("utf-8", "replace")


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class ProgressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="rnnsearch-progress-")
        cls.input = os.path.join(cls.directory, "in.txt")
        with open(cls.input, "w", encoding="utf-8") as f:
            f.write("ein hund läuft\ndie frau sieht den ball\n" * 40)
        cls.args = ["-m", MODEL, "-b", "2", "--max-length", "4", "--batch-size", "8", "--quiet"]

    @classmethod
    def tearDownClass(cls):
        for name in os.listdir(cls.directory):
            os.remove(os.path.join(cls.directory, name))
        os.rmdir(cls.directory)

    def expected_stdout(self):
        return subprocess.run([BINARY] + self.args + [self.input], capture_output=True, env=child_env(),
                              timeout=timeout()).stdout

    def test_progress_on_a_terminal(self):
        args = [a for a in self.args if a != "--quiet"]
        status, stdout, terminal = run_with_tty_stderr(args + [self.input, self.input])
        self.assertEqual(status, 0, terminal)
        self.assertEqual(stdout, self.expected_stdout() * 2, "standard output changed")
        self.assertNotIn(b"rnnsearch:", stdout)
        draws = STATUS.findall(terminal)
        self.assertGreaterEqual(len(draws), 1, repr(terminal[:500]))
        lines = [int(n) for n, _, _ in draws]
        self.assertEqual(lines, sorted(lines))
        self.assertTrue(all(n % 8 == 0 and 0 < n <= 160 for n in lines), lines)  # whole batches of 8
        percents = [int(p) for _, p, _ in draws]
        self.assertEqual(percents, sorted(percents))
        self.assertTrue(all(0 <= p <= 100 for p in percents), percents)
        # Erased at the end, and then only the length-limit count (a newline-ended line) follows.
        erased = terminal.rindex(ERASE)
        self.assertNotIn("\r", terminal[erased + len(ERASE):].replace("\r\n", "\n"))
        self.assertRegex(terminal[erased + len(ERASE):], r"^rnnsearch: warning: \d+ of 160 lines hit the length")

    def test_translations_on_the_same_terminal_stay_whole(self):
        """Standard output on the terminal too: the status line is erased before each batch's results and drawn
        again below them, so every result line is whole; without the status sequences the terminal holds
        exactly the translations."""
        args = [a for a in self.args if a != "--quiet"]
        status, _, terminal = run_with_tty_stderr(args + [self.input], stdout_too=True)
        self.assertEqual(status, 0, terminal)
        draws = STATUS.findall(terminal)
        self.assertEqual([int(n) for n, _, _ in draws], list(range(8, 81, 8)), "not one draw per batch")
        text = STATUS.sub("", terminal).replace(ERASE, "")
        translations = self.expected_stdout().decode()
        self.assertTrue(text.startswith(translations), repr(text[:300]))
        self.assertRegex(text[len(translations):], r"^rnnsearch: warning: \d+ of 80 lines hit the length limit")
        # After a status line comes its erasure, never a result on the same line.
        self.assertIsNone(re.search(STATUS.pattern + r"[^\r]", terminal))

    def test_quiet_or_not_a_terminal_or_a_pipe_shows_none(self):
        status, stdout, terminal = run_with_tty_stderr(self.args + [self.input])
        self.assertEqual((status, terminal), (0, ""))
        self.assertEqual(stdout, self.expected_stdout())
        # standard error a pipe
        args = [a for a in self.args if a != "--quiet"]
        piped = subprocess.run([BINARY] + args + [self.input], capture_output=True, env=child_env(),
                               timeout=timeout())
        self.assertNotIn(b"\r", piped.stderr)
        self.assertNotIn(b"lines/s", piped.stderr)
        # input from a pipe: no size, and perhaps a user typing: no progress
        with open(self.input, "rb") as f:
            data = f.read()
        proc_in = subprocess.Popen(["cat", self.input], stdout=subprocess.PIPE)
        status, stdout, terminal = run_with_tty_stderr(args, stdin=proc_in.stdout)
        proc_in.stdout.close()
        proc_in.wait()
        self.assertEqual(status, 0)
        self.assertNotIn("lines/s", terminal)
        self.assertEqual(stdout.count(b"\n"), data.count(b"\n"))


if __name__ == "__main__":
    unittest.main()
