"""Running ./rnnsearch from the Python suites.

RNNSEARCH_TEST_WRAPPER (a command prefix such as "valgrind -q --error-exitcode=99") runs every rnnsearch
process under that prefix, so one suite checks both behaviour and memory safety; RNNSEARCH_BIN names another
binary than ./rnnsearch (make check-asan). The children get an
environment without RNNSEARCH_MODEL unless a test sets it, so that a user's setting cannot change results."""
import os
import re
import shlex
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(HERE, "fixtures")
# RNNSEARCH_BIN (relative to the repository root) tests another build, e.g. `make check-asan`'s.
BINARY = os.path.join(ROOT, os.environ.get("RNNSEARCH_BIN") or "rnnsearch")


def wrapper():
    return shlex.split(os.environ.get("RNNSEARCH_TEST_WRAPPER", ""))


def memory_checked():
    """True under a memory checker: valgrind (RNNSEARCH_TEST_WRAPPER) or another build (RNNSEARCH_BIN: ASan)."""
    return bool(wrapper() or os.environ.get("RNNSEARCH_BIN"))


def timeout():
    # Memory checkers slow a run down by 20-50 times (valgrind), or 2-5 times (the ASan build).
    return 600 if memory_checked() else 60


def fixture(name):
    return os.path.join(FIXTURES, name)


def child_env(**variables):
    """os.environ without RNNSEARCH_MODEL, plus variables (a value of None removes the variable)."""
    env = {k: v for k, v in os.environ.items() if k != "RNNSEARCH_MODEL"}
    for key, value in variables.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, stdin=b"", binary=BINARY, env=None, cwd=None):
    """Runs binary (./rnnsearch) with args; stdin is bytes or str (never the terminal). Returns the
    CompletedProcess with stdout and stderr as bytes."""
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    return subprocess.run(wrapper() + [binary] + list(args), input=stdin, capture_output=True,
                          env=child_env() if env is None else env, cwd=cwd, timeout=timeout())


# The count that ends a run where the length limit cut lines (src/cli/session.c); the random fixture models rarely
# emit eos, so most of their runs end with it.
LENGTH_LIMIT_WARNING = re.compile(rb"^rnnsearch: warning: (\d+) of (\d+) lines hit the length limit \((.*)\)\n", re.M)


def without_length_limit_warning(stderr):
    """stderr (bytes) without the length-limit count: for tests that expect no other word on it."""
    return LENGTH_LIMIT_WARNING.sub(b"", stderr)


def describe(args, result):
    """A readable account of a run, for assertion messages."""
    return (f"rnnsearch {shlex.join(args)}: exit {result.returncode}\n"
            f"stdout: {result.stdout[:2000].decode('utf-8', 'replace')!r}\n"
            f"stderr: {result.stderr[:2000].decode('utf-8', 'replace')!r}")
