"""Summarises an lcov trace (make coverage): line and branch coverage per source file, then the error paths no
test reaches, i.e. the never-executed source lines that report an error (rs_fail, an out-of-memory return)."""
import argparse
import os
import re

ERROR_LINE = re.compile(r"rs_fail\(|return -1;|out of memory")


def parse(path):
    """{source file: {"lines": {line: count}, "branches": (found, hit)}} from an lcov .info file."""
    files, current = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("SF:"):
                current = {"lines": {}, "branches": [0, 0]}
                files[line[3:]] = current
            elif line.startswith("DA:") and current is not None:
                number, count = line[3:].split(",")[:2]
                current["lines"][int(number)] = int(count)
            elif line.startswith("BRF:") and current is not None:
                current["branches"][0] = int(line[4:])
            elif line.startswith("BRH:") and current is not None:
                current["branches"][1] = int(line[4:])
    return files


def uncovered_errors(source, lines):
    """(line number, text) of the error lines never executed."""
    try:
        with open(source, encoding="utf-8") as f:
            text = f.read().split("\n")
    except OSError:
        return []
    return [(n, text[n - 1].strip()) for n, count in sorted(lines.items())
            if count == 0 and n <= len(text) and ERROR_LINE.search(text[n - 1])]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trace", nargs="?", default="build/coverage/lcov.info", help="lcov .info file")
    parser.add_argument("--markdown", action="store_true", help="write the table and list as Markdown")
    args = parser.parse_args()
    files = parse(args.trace)
    totals = [0, 0, 0, 0]
    rows, missing = [], []
    for source in sorted(files):
        data = files[source]
        lines = data["lines"]
        hit = sum(1 for c in lines.values() if c > 0)
        found_b, hit_b = data["branches"]
        totals = [totals[0] + len(lines), totals[1] + hit, totals[2] + found_b, totals[3] + hit_b]
        name = os.path.relpath(source)
        rows.append((name, hit, len(lines), hit_b, found_b))
        missing += [(name, n, t) for n, t in uncovered_errors(source, lines)]

    def pct(a, b):
        return f"{100.0 * a / b:.1f}%" if b else "-"

    bar = "| " if args.markdown else ""
    print(f"{bar}file | lines | branches{' |' if args.markdown else ''}")
    if args.markdown:
        print("|---|---|---|")
    for name, hit, found, hit_b, found_b in rows + [("total", totals[1], totals[0], totals[3], totals[2])]:
        end = " |" if args.markdown else ""
        print(f"{bar}{name} | {pct(hit, found)} of {found} | {pct(hit_b, found_b)} of {found_b}{end}")
    print(f"\n{len(missing)} error lines no test reaches:")
    for name, number, text in missing:
        print(f"{'- ' if args.markdown else '  '}{name}:{number}: {text}")


if __name__ == "__main__":
    main()
