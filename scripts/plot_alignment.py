#!/usr/bin/python3
"""Plot attention heatmaps from rnnsearch's alignment CSV (--align-csv; spec section 4) with matplotlib.

  ./rnnsearch -m MODEL --align-csv - < input.txt | /usr/bin/python3 scripts/plot_alignment.py -o align.png
  /usr/bin/python3 scripts/plot_alignment.py align.csv -o align.pdf
  /usr/bin/python3 scripts/plot_alignment.py align.csv -o 'plots/s{id}-h{hyp}.png' --id 3 --id 7

One heatmap per (id, hypothesis) in the CSV: rows are target tokens (eos last), columns source tokens
(added bos/eos included), colours the attention weights on a fixed 0..1 scale (viridis).

Output (-o PATH, default alignment.png; the format follows the extension: png, pdf, svg, ...):
  - one matrix: written to PATH;
  - several matrices and a .pdf PATH: one page per matrix in that one PDF;
  - several matrices, any other format: one file per matrix, named by PATH with "{id}" and "{hyp}" replaced
    by the sentence id and the hypothesis number, or, when PATH has no "{id}", by inserting ".ID.HYP" before
    the extension (align.png -> align.0.0.png, align.1.0.png, ...). --each forces one file per matrix for
    PDF too.
The paths written are printed on standard output, one per line.

Right-to-left text: matplotlib draws text left to right, one glyph per code point, with no bidirectional
reordering and no shaping of Arabic script (Persian, Arabic, Urdu), whose letters would come out in logical
order and unjoined. This script does the basic part itself for each token holding RTL characters: Arabic
letters get their contextual (initial/medial/final/isolated) presentation forms and the lam-alef ligature,
and the token is reversed for display (digits and Latin runs inside it keep their order). Not handled: mark
positioning beyond what the font's presentation forms give, other ligatures, kashida, and mixed-direction
titles beyond word order. Hebrew needs no shaping and comes out right. When most source tokens are RTL the
source axis is reversed, its first token at the right, as the sentence reads. A font with the script's
glyphs is needed (DejaVu Sans, matplotlib's default, covers Hebrew and Arabic presentation forms); glyphs
missing from the font are drawn as boxes (warnings about them are silenced).
"""
import argparse
import collections
import csv
import io
import math
import os
import sys
import unicodedata
import warnings

from errors import fail

HEADER = ["id", "hypothesis", "target_index", "target_token", "source_index", "source_token", "weight"]


def is_rtl_char(c):
    cp = ord(c)
    return (0x0590 <= cp <= 0x08FF or 0xFB1D <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFE
            or 0x10800 <= cp <= 0x10FFF or 0x1E800 <= cp <= 0x1EFFF)


def is_rtl(token):
    """The same test as src/cli/heatmap.c: the token holds a Hebrew, Arabic, Syriac, Thaana or NKo code point."""
    return any(is_rtl_char(c) for c in token)


def token_direction(token):
    """+1 RTL, -1 a token with left-to-right letters, 0 punctuation, digits or a <special> token."""
    if len(token) >= 2 and token[0] == "<" and token[-1] == ">":
        return 0
    if is_rtl(token):
        return 1
    if any(c.isalpha() for c in token):
        return -1
    return 0


def source_is_rtl(tokens):
    return sum(token_direction(t) for t in tokens) > 0


# ---- right-to-left display: matplotlib draws code points left to right, one glyph each ----

LAM = "\u0644"
LAM_ALEF = {"\u0622": "\ufef5", "\u0623": "\ufef7", "\u0625": "\ufef9", "\u0627": "\ufefb"}  # isolated; +1 final
_FORMS = None


def arabic_forms():
    """Letter -> {form: presentation-form character}, read from the Unicode names of the presentation-form blocks
    ("ARABIC LETTER BEH INITIAL FORM" is BEH's initial form); a letter with initial and medial forms joins on
    both sides, one with only isolated and final forms joins its predecessor only."""
    global _FORMS
    if _FORMS is None:
        table = {}
        for cp in list(range(0xFB50, 0xFE00)) + list(range(0xFE70, 0xFEFF)):
            name = unicodedata.name(chr(cp), "")
            for form in ("isolated", "final", "initial", "medial"):
                suffix = f" {form.upper()} FORM"
                if name.startswith("ARABIC LETTER ") and name.endswith(suffix):
                    try:
                        base = unicodedata.lookup(name[:-len(suffix)])
                    except KeyError:
                        continue
                    table.setdefault(base, {}).setdefault(form, chr(cp))
        _FORMS = table
    return _FORMS


def shape_arabic(text):
    """Contextual forms of Arabic-script letters (and the lam-alef ligature) in logical order; marks (Mn) are
    transparent to joining; anything else (ZWNJ included) breaks it."""
    forms = arabic_forms()

    def dual(c):
        return c in forms and "initial" in forms[c]

    def joins_previous(c):
        return c in forms and "final" in forms[c]

    chars = list(text)
    letters = [i for i, c in enumerate(chars) if unicodedata.category(c) != "Mn"]
    out = list(chars)
    skip = set()
    for k, i in enumerate(letters):
        if i in skip:
            continue
        c = chars[i]
        prev = chars[letters[k - 1]] if k > 0 else ""
        nxt = chars[letters[k + 1]] if k + 1 < len(letters) else ""
        after_join = bool(prev) and dual(prev) and joins_previous(c) and letters[k - 1] not in skip
        if c == LAM and nxt in LAM_ALEF:
            out[i] = chr(ord(LAM_ALEF[nxt]) + (1 if after_join else 0))
            out[letters[k + 1]] = ""
            skip.add(letters[k + 1])
            continue
        before_join = dual(c) and bool(nxt) and joins_previous(nxt)
        form = ("medial" if after_join and before_join else "final" if after_join
                else "initial" if before_join else "isolated")
        if c in forms:
            out[i] = forms[c].get(form) or forms[c].get("isolated", c)
    return "".join(out)


def visual_order(text):
    """A right-to-left token as it should appear when drawn left to right: grapheme clusters (a character and its
    marks) reversed, runs of digits and Latin letters kept in their own order."""
    clusters = []
    for c in text:
        if clusters and unicodedata.category(c) in ("Mn", "Me"):
            clusters[-1] += c
        else:
            clusters.append(c)
    clusters.reverse()
    out, run = [], []
    for cluster in clusters:
        if not is_rtl_char(cluster[0]) and (cluster[0].isdigit() or cluster[0].isascii() and cluster[0].isalpha()):
            run.append(cluster)
            continue
        out.extend(reversed(run))
        run = []
        out.append(cluster)
    out.extend(reversed(run))
    return "".join(out)


def shorten(token, limit=24):
    """Long tokens end in an ellipsis on the axes, as in the C tool's SVG heatmaps."""
    return token if len(token) <= limit else token[:limit - 1] + "\u2026"


def display(token):
    """The text matplotlib should draw for a token."""
    return visual_order(shape_arabic(token)) if is_rtl(token) else token


class Matrix:
    """One hypothesis's attention: tokens by index, weights by (target_index, source_index)."""

    def __init__(self, sentence_id, hypothesis):
        self.id = sentence_id
        self.hypothesis = hypothesis
        self.target = {}
        self.source = {}
        self.weights = {}

    def add(self, where, ti, tt, si, st, weight):
        for index, token, tokens, side in ((ti, tt, self.target, "target"), (si, st, self.source, "source")):
            if tokens.setdefault(index, token) != token:
                raise ValueError(f"{where}: {side} token {index} is {token!r} here but {tokens[index]!r} before")
        if (ti, si) in self.weights:
            raise ValueError(f"{where}: a second weight for target {ti}, source {si}")
        self.weights[(ti, si)] = weight

    def tokens(self, side):
        tokens = self.target if side == "target" else self.source
        count = max(tokens) + 1 if tokens else 0
        missing = [i for i in range(count) if i not in tokens]
        if missing:
            raise ValueError(f"id {self.id}, hypothesis {self.hypothesis}: no {side} token {missing[0]}")
        return [tokens[i] for i in range(count)]

    def array(self):
        rows, cols = len(self.tokens("target")), len(self.tokens("source"))
        grid = [[math.nan] * cols for _ in range(rows)]
        for (ti, si), w in self.weights.items():
            grid[ti][si] = w
        return grid


def read_csv(stream, name):
    """Matrices in order of first appearance, from an alignment CSV stream."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ValueError(f"{name}: empty input (expected the header {','.join(HEADER)})")
    if [h.strip() for h in header] != HEADER:
        raise ValueError(f"{name}, line 1: header {','.join(header)!r}, expected {','.join(HEADER)}")
    matrices = collections.OrderedDict()
    for row in reader:
        where = f"{name}, line {reader.line_num}"
        if not row:
            continue
        if len(row) != len(HEADER):
            raise ValueError(f"{where}: {len(row)} fields, expected {len(HEADER)}")
        try:
            sid, hyp, ti, si = int(row[0]), int(row[1]), int(row[2]), int(row[4])
            weight = float(row[6])
        except ValueError:
            raise ValueError(f"{where}: a number field does not parse: {row!r}") from None
        if min(sid, hyp, ti, si) < 0:
            raise ValueError(f"{where}: negative index")
        key = (sid, hyp)
        if key not in matrices:
            matrices[key] = Matrix(sid, hyp)
        matrices[key].add(where, ti, row[3], si, row[5], weight)
    return list(matrices.values())


def output_paths(path, matrices, each):
    """(matrix, path) pairs, or [(None, path)] for one multi-page PDF of them all."""
    if len(matrices) == 1 and "{id}" not in path:
        return [(matrices[0], path)]
    if path.lower().endswith(".pdf") and not each and "{id}" not in path:
        return [(None, path)]
    out = []
    for m in matrices:
        if "{id}" in path:
            name = path.replace("{id}", str(m.id)).replace("{hyp}", str(m.hypothesis))
        else:
            stem, ext = os.path.splitext(path)
            name = f"{stem}.{m.id}.{m.hypothesis}{ext}"
        out.append((m, name))
    names = [n for _, n in out]
    if len(set(names)) != len(names):
        raise ValueError(f"-o {path}: several matrices get the same file name (add {{hyp}} to the pattern)")
    return out


def draw(plt, matrix, title, annotate):
    source, target = matrix.tokens("source"), matrix.tokens("target")
    grid = matrix.array()
    rows, cols = len(target), len(source)
    cell = 0.32 if max(rows, cols) <= 40 else 0.2
    label = max([len(t) for t in source + target] + [1])
    width = max(4.0, cols * cell + min(label, 24) * 0.08 + 1.6)
    height = max(3.0, rows * cell + min(label, 24) * 0.08 + 1.0)
    fig, ax = plt.subplots(figsize=(width, height))
    image = ax.imshow(grid, cmap="viridis", vmin=0.0, vmax=1.0, aspect="equal", interpolation="nearest")
    font = 9 if max(rows, cols) <= 40 else 6
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xticklabels([display(shorten(t)) for t in source], rotation=60, ha="left", rotation_mode="anchor",
                       fontsize=font)
    ax.set_yticklabels([display(shorten(t)) for t in target], fontsize=font)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("source", fontsize=font)
    ax.set_ylabel("target", fontsize=font)
    if source_is_rtl(source):
        ax.invert_xaxis()
        for tick in ax.get_xticklabels():
            tick.set_ha("left")
    if annotate:
        for i in range(rows):
            for j in range(cols):
                w = grid[i][j]
                if not math.isnan(w):
                    ax.text(j, i, f"{w:.2f}", ha="center", va="center", fontsize=max(font - 3, 4),
                            color="black" if w > 0.6 else "white")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, ticks=[0, 0.25, 0.5, 0.75, 1],
                 shrink=min(1.0, 4.0 / (rows * cell + 0.1)))
    if title:
        fig.suptitle(display_title(title), fontsize=10, x=0.02, ha="left")
    fig.tight_layout()
    return fig


def display_title(title):
    """A title with RTL words: each word shaped and reversed, and the words of the RTL stretch that starts at the
    first RTL word reversed in order, as an RTL embedding would show them."""
    words = title.split(" ")
    first = next((k for k, w in enumerate(words) if is_rtl(w)), None)
    if first is None:
        return title
    return " ".join(words[:first] + [display(w) for w in reversed(words[first:])])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="?", default="-", help="the alignment CSV (default: standard input)")
    parser.add_argument("-o", "--output", default="alignment.png",
                        help="output file or pattern with {id} and {hyp} (default: alignment.png)")
    parser.add_argument("--each", action="store_true", help="one file per matrix even for a PDF")
    parser.add_argument("--id", type=int, action="append", help="only this sentence id (repeatable)")
    parser.add_argument("--hypothesis", type=int, action="append", help="only this hypothesis (repeatable)")
    parser.add_argument("--title", help="title for every plot; {id} and {hyp} are replaced "
                                        "(default: 'id ID, hypothesis HYP')")
    parser.add_argument("--annotate", action="store_true", help="write each weight in its cell")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of raster outputs (default 150)")
    args = parser.parse_args(argv)

    try:
        if args.csv == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
            matrices = read_csv(stream, "standard input")
        else:
            with open(args.csv, encoding="utf-8", newline="") as f:
                matrices = read_csv(f, args.csv)
        if args.id is not None:
            matrices = [m for m in matrices if m.id in args.id]
        if args.hypothesis is not None:
            matrices = [m for m in matrices if m.hypothesis in args.hypothesis]
        if not matrices:
            raise ValueError("nothing to plot: no matrix in the input" + (" matches the selection"
                                                                          if args.id or args.hypothesis else ""))
        plan = output_paths(args.output, matrices, args.each)
        for m in matrices:
            m.tokens("source"), m.tokens("target")
    except (OSError, ValueError) as e:
        fail(f"plot_alignment.py: {e}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    warnings.filterwarnings("ignore", message="Glyph .* missing from current font")

    def title_of(m):
        pattern = args.title if args.title is not None else "id {id}, hypothesis {hyp}"
        return pattern.replace("{id}", str(m.id)).replace("{hyp}", str(m.hypothesis))

    try:
        for matrix, path in plan:
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            if matrix is None:
                with PdfPages(path) as pdf:
                    for m in matrices:
                        fig = draw(plt, m, title_of(m), args.annotate)
                        pdf.savefig(fig)
                        plt.close(fig)
            else:
                fig = draw(plt, matrix, title_of(matrix), args.annotate)
                fig.savefig(path, dpi=args.dpi)
                plt.close(fig)
            print(path)
    except (OSError, ValueError) as e:
        fail(f"plot_alignment.py: {e}")


if __name__ == "__main__":
    main()
