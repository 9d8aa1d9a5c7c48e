"""Rewrites the transcripts of README.md (plain ``` blocks whose first line is `$ ./rnnsearch ...` or
`$ echo ... | ./rnnsearch ...`) with the real output of each command, and shows what changed for review.

  /usr/bin/python3 scripts/refresh_readme.py [--dry-run] [--readme README.md]

Run after a bundled model changes; then read the diff, and the prose around each transcript, by eye
(tests/test_readme.py fails until the transcripts match). Each command runs with bash in a scratch directory
that links the repository's rnnsearch, data, models, tests, scripts, src and build, as tests/test_readme.py runs
it. Transcripts of `--report-time` (timings) and `--list-models` (paths) are left as they are: their shape is
what the test checks."""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
START = re.compile(r"\$ (\./rnnsearch|(echo|printf) .*\./rnnsearch)")
KEPT = ("--report-time", "--list-models")


def run(command, directory):
    done = subprocess.run(["bash", "-c", command], cwd=directory, capture_output=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"refresh_readme.py: `{command}` exited {done.returncode}: "
                 f"{done.stderr.decode('utf-8', 'replace').strip()[-500:]}")
    lines = done.stdout.decode("utf-8").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def refresh_block(lines, directory):
    """The block's lines with each `$ COMMAND`'s output replaced by the real one (a blank line kept between
    commands where the block had one)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("$ ")] + [len(lines)]
    out = lines[:starts[0]]
    for start, end in zip(starts, starts[1:]):
        command = lines[start][2:]
        old = lines[start + 1:end]
        blank = bool(old) and old[-1] == "" and end != len(lines)
        if any(flag in command for flag in KEPT):
            out += lines[start:end]
            continue
        out += [lines[start]] + run(command, directory) + ([""] if blank else [])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"), help="the file (default README.md)")
    parser.add_argument("--dry-run", action="store_true", help="show the diff only, write nothing")
    args = parser.parse_args()
    with open(args.readme, encoding="utf-8") as f:
        text = f.read()
    directory = tempfile.mkdtemp(prefix="rnnsearch-readme-")
    try:
        for name in ("rnnsearch", "data", "models", "tests", "scripts", "src", "build"):
            os.symlink(os.path.join(ROOT, name), os.path.join(directory, name))
        pieces, last = [], 0
        for m in FENCE.finditer(text):
            lines = m.group(2).split("\n")[:-1]
            if m.group(1) or not lines or not START.match(lines[0]):
                continue
            pieces += [text[last:m.start(2)], "\n".join(refresh_block(lines, directory)) + "\n"]
            last = m.end(2)
        new = "".join(pieces) + text[last:]
    finally:
        shutil.rmtree(directory, True)
    diff = list(difflib.unified_diff(text.splitlines(True), new.splitlines(True), args.readme, args.readme + " (new)"))
    sys.stdout.writelines(diff)
    if not args.dry_run and new != text:
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write(new)
    print(f"refresh_readme.py: {'no change' if not diff else 'transcripts changed (diff above)'}"
          f"{'; nothing written (--dry-run)' if args.dry_run else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
