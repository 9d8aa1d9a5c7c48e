"""scripts/plot_alignment.py: an alignment CSV (spec section 4, quoted tokens, RTL tokens) becomes PNG and PDF
heatmaps; the Arabic-script display helpers shape and reorder as documented; bad input is one error line."""
import csv
import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, "scripts", "plot_alignment.py")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import plot_alignment  # noqa: E402

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def alignment_csv(matrices):
    """matrices: (id, hypothesis, source tokens, target tokens); weights favour the diagonal, rows sum to 1."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(plot_alignment.HEADER)
    for sid, hyp, source, target in matrices:
        for i, t in enumerate(target):
            raw = [3.0 if j == min(i, len(source) - 1) else 1.0 for j in range(len(source))]
            total = sum(raw)
            for j, s in enumerate(source):
                writer.writerow([sid, hyp, i, t, j, s, f"{raw[j] / total:.6f}"])
    return out.getvalue()


SAMPLE = [
    (0, 0, ["ein", "\"hund\"", ",", "a,b", "</s>"], ["a", "dog", ",", "</s>"]),
    (0, 1, ["ein", "\"hund\"", ",", "a,b", "</s>"], ["the", "dog", "</s>"]),
    (1, 0, ["\u06cc\u06a9", "\u0645\u0631\u062f", ".", "</s>"], ["a", "man", ".", "</s>"]),
]


class DisplayTest(unittest.TestCase):
    def test_rtl_detection_and_axis(self):
        self.assertTrue(plot_alignment.is_rtl("\u0645\u0631\u062f"))
        self.assertTrue(plot_alignment.is_rtl("\u05e9\u05dc\u05d5\u05dd"))
        self.assertFalse(plot_alignment.is_rtl("</s>"))
        self.assertTrue(plot_alignment.source_is_rtl(["\u06cc\u06a9", "\u0645\u0631\u062f", ".", "</s>"]))
        self.assertFalse(plot_alignment.source_is_rtl(["ein", "\u0645\u0631\u062f", "hund", "</s>"]))

    def test_shaping(self):
        # beh-alef: beh initial, alef final; lam-alef ligature; ZWNJ breaks joining.
        self.assertEqual(plot_alignment.shape_arabic("\u0628\u0627"), "\ufe91\ufe8e")
        self.assertEqual(plot_alignment.shape_arabic("\u0644\u0627"), "\ufefb")
        self.assertEqual(plot_alignment.shape_arabic("\u0628\u0644\u0627"), "\ufe91\ufefc")
        self.assertEqual(plot_alignment.shape_arabic("\u0645\u06cc\u200c\u0631"), "\ufee3\ufbfd\u200c\ufead")
        self.assertEqual(plot_alignment.shape_arabic("abc"), "abc")

    def test_visual_order(self):
        self.assertEqual(plot_alignment.visual_order("\u05d0\u05d1\u05d2"), "\u05d2\u05d1\u05d0")
        self.assertEqual(plot_alignment.visual_order("\u05d0 12 \u05d1"), "\u05d1 12 \u05d0")
        self.assertEqual(plot_alignment.display("hello"), "hello")
        # A mark stays after its base.
        self.assertEqual(plot_alignment.visual_order("\u0628\u064e\u062a"), "\u062a\u0628\u064e")


class ReadTest(unittest.TestCase):
    def test_quoted_tokens_and_grouping(self):
        matrices = plot_alignment.read_csv(io.StringIO(alignment_csv(SAMPLE), newline=""), "x")
        self.assertEqual([(m.id, m.hypothesis) for m in matrices], [(0, 0), (0, 1), (1, 0)])
        self.assertEqual(matrices[0].tokens("source"), SAMPLE[0][2])
        self.assertEqual(matrices[1].tokens("target"), ["the", "dog", "</s>"])
        grid = matrices[0].array()
        self.assertAlmostEqual(sum(grid[0]), 1.0, places=5)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "header"):
            plot_alignment.read_csv(io.StringIO("a,b\n"), "x")
        with self.assertRaisesRegex(ValueError, "line 2: 3 fields"):
            plot_alignment.read_csv(io.StringIO(",".join(plot_alignment.HEADER) + "\n0,0,0\n"), "x")
        text = ",".join(plot_alignment.HEADER) + "\n0,0,0,a,0,x,0.5\n0,0,0,b,1,y,0.5\n"
        with self.assertRaisesRegex(ValueError, "target token 0 is 'b'"):
            plot_alignment.read_csv(io.StringIO(text), "x")

    def test_output_names(self):
        ms = plot_alignment.read_csv(io.StringIO(alignment_csv(SAMPLE), newline=""), "x")
        names = [p for _, p in plot_alignment.output_paths("out/a.png", ms, False)]
        self.assertEqual(names, ["out/a.0.0.png", "out/a.0.1.png", "out/a.1.0.png"])
        self.assertEqual(plot_alignment.output_paths("a.pdf", ms, False), [(None, "a.pdf")])
        names = [p for _, p in plot_alignment.output_paths("s{id}_{hyp}.pdf", ms, False)]
        self.assertEqual(names, ["s0_0.pdf", "s0_1.pdf", "s1_0.pdf"])
        with self.assertRaisesRegex(ValueError, "same file name"):
            plot_alignment.output_paths("s{id}.png", ms, False)


@unittest.skipUnless(HAVE_MATPLOTLIB, "matplotlib is not installed")
class PlotTest(unittest.TestCase):
    def run_script(self, args, stdin=None):
        return subprocess.run([sys.executable, SCRIPT] + args, input=stdin, capture_output=True, timeout=120)

    def test_png_and_pdf(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "align.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(alignment_csv(SAMPLE))
            # One matrix, from standard input, to one PNG.
            one = os.path.join(tmp, "one.png")
            done = self.run_script(["--id", "1", "-o", one], stdin=alignment_csv(SAMPLE).encode("utf-8"))
            self.assertEqual(done.returncode, 0, done.stderr.decode())
            self.assertEqual(done.stdout.decode().split(), [one])
            with open(one, "rb") as f:
                self.assertEqual(f.read(8), PNG_MAGIC)
            # All of them: one PDF with a page each.
            pdf = os.path.join(tmp, "all.pdf")
            done = self.run_script([path, "-o", pdf, "--annotate"])
            self.assertEqual(done.returncode, 0, done.stderr.decode())
            with open(pdf, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(b"%PDF"))
            self.assertEqual(data.count(b"/Type /Page\n") + data.count(b"/Type /Page "), 3)
            # Bad input: one error line, exit status not 0.
            done = self.run_script(["-o", one], stdin=b"nonsense\n")
            self.assertNotEqual(done.returncode, 0)
            self.assertIn(b"plot_alignment.py:", done.stderr)


if __name__ == "__main__":
    unittest.main()
