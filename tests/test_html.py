"""--html FILE, the interactive report (src/cli/html.h): the data in the page against the JSONL output, escaping of
hostile text, self-containment, size, errors; then the page in a real browser (headless Chromium driven by
tests/browser.py): it renders every sentence, hovering a target word highlights its source words and the
reverse, the per-row scale and the method switch recolour the heatmaps, right-to-left text is laid out right
to left, hostile text stays text, and nothing is fetched.

The browser tests need Chromium (scripts/setup.sh --test installs Debian's); without it they are skipped,
except under CI (CI set), where a missing browser fails. Skipped when ./rnnsearch is not built."""
import html.parser
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

from browser import Browser, find_chromium  # noqa: E402
from clitools import BINARY, ROOT, describe, fixture, run, without_length_limit_warning  # noqa: E402
import gen_html_assets  # noqa: E402

MODEL = fixture("bi2_additive.json")
COMMON = fixture("common.in")
PERSIAN_MODEL = os.path.join(ROOT, "models", "eng-pes.json")
DEU_ENG = os.path.join(ROOT, "models", "deu-eng.json")
MULTI30K = os.path.join(ROOT, "..", "shared", "data", "multi30k", "test_2016_flickr.de")
HOSTILE = ['ein </script><script>alert(1)</script> hund',
           'die "frau" \'sieht\' <!-- den --> ball & <b>katze</b>',
           'der mann \u2028 läuft \u2029 </SCRIPT >',
           'ein \x01kind\x7f spielt \U0001F600']
VIRIDIS = [0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725]


def viridis_css(x):
    """The page's colour for x in [0, 1] (as report.js and src/cli/heatmap.c compute it)."""
    position = max(0.0, min(1.0, x)) * 9
    low = int(math.floor(position))
    if low >= 9:
        c = VIRIDIS[9]
        return f"rgb({c >> 16}, {(c >> 8) & 255}, {c & 255})"
    a, b, t = VIRIDIS[low], VIRIDIS[low + 1], position - low
    parts = [round(((a >> s) & 255) + (((b >> s) & 255) - ((a >> s) & 255)) * t) for s in (16, 8, 0)]
    return "rgb(" + ", ".join(str(int(p)) for p in parts) + ")"


def page_data(path):
    """The JSON data of a report page."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'<script type="application/json" id="rs-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def decode(matrix, rows, columns):
    return [[None if matrix["values"][t * columns + j] is None else matrix["values"][t * columns + j] *
             matrix["scales"][t] for j in range(columns)] for t in range(rows)]


class Elements(html.parser.HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@unittest.skipUnless(os.access(BINARY, os.X_OK), "./rnnsearch is not built (run `make`): --html not tested")
class HtmlTestCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="rnnsearch-html-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, True)

    def report(self, name, args, stdin=""):
        """Runs rnnsearch with --html into the class's folder, which must succeed with nothing on standard error
        but the count of lines cut by the length limit; returns (page path, stdout)."""
        path = os.path.join(self.directory, name)
        all_args = args + ["--html", path]
        result = run(all_args, stdin)
        self.assertEqual((result.returncode, without_length_limit_warning(result.stderr)), (0, b""),
                         describe(all_args, result))
        return path, result.stdout.decode("utf-8")

    def jsonl(self, args, stdin=""):
        result = run(["--format", "jsonl"] + args, stdin)
        self.assertEqual(result.returncode, 0, describe(args, result))
        return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


class ReportFileTest(HtmlTestCase):
    def test_assets_are_generated_from_src_report(self):
        """src/cli/html_assets.{h,c} are what scripts/gen_html_assets.py writes from src/cli/report today."""
        out = tempfile.mkdtemp(prefix="rnnsearch-assets-")
        self.addCleanup(shutil.rmtree, out, True)
        gen_html_assets.emit(out)
        for name in ("html_assets.h", "html_assets.c"):
            with open(os.path.join(out, name), encoding="ascii") as f, \
                    open(os.path.join(ROOT, "src", "cli", name), encoding="ascii") as g:
                self.assertEqual(g.read(), f.read(), f"src/cli/{name} is stale: run scripts/gen_html_assets.py")

    def test_data_is_the_jsonl_output(self):
        """Tokens, scores, n-best ranks, texts, attention and occlusion as --format jsonl has them (each value
        to 3 significant digits of its row's largest); standard output is what it is without --html."""
        args = ["-m", MODEL, "-b", "3", "-n", "2", "--explain", COMMON]
        path, text = self.report("nbest.html", args)
        self.assertEqual(text, run(args).stdout.decode("utf-8"))  # stdout is unchanged by --html
        data = page_data(path)
        self.assertEqual((data["format"], data["version"]), ("rnnsearch-report", 1))
        self.assertEqual([m["name"] for m in data["methods"]], ["attention", "occlusion"])
        self.assertEqual([m["range"] for m in data["methods"]], ["unit", "signed"])
        expected = self.jsonl(["-a"] + args)
        sentences = iter(data["sentences"])
        with open(COMMON, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for obj in expected:
            if not obj["source"]:  # a line without tokens: one entry, no matrices
                s = next(sentences)
                self.assertEqual((s["id"], s["source"], s["target"], s["matrices"]), (obj["id"], [], [], {}))
                continue
            for rank, h in enumerate(obj["hypotheses"][:2]):
                s = next(sentences)
                self.assertEqual((s["id"], s["rank"]), (obj["id"], rank))
                self.assertEqual(s["source_text"], lines[obj["id"]])
                self.assertEqual(s["source"], obj["source"])
                self.assertEqual(s["target"][:len(h["tokens"])], h["tokens"])
                self.assertEqual(len(s["target"]), len(h["attention"]))  # eos included when emitted
                self.assertAlmostEqual(s["score"], h["score"], places=5)
                self.assertEqual(s["translation"], h["text"])
                for name, rows in (("attention", h["attention"]), ("occlusion", h["occlusion"])):
                    got = decode(s["matrices"][name], len(rows), len(obj["source"]))
                    for row, got_row in zip(rows, got):
                        tolerance = max(abs(v) for v in row) / 1999 + 1e-9
                        for want, value in zip(row, got_row):
                            self.assertLessEqual(abs(want - value), tolerance, (name, row, got_row))
        self.assertIsNone(next(sentences, None))

    def test_self_contained(self):
        """No element loads anything; the policy forbids the network and allows only the page's own script
        and style, by hash."""
        path, _ = self.report("plain.html", ["-m", MODEL, "-b", "1", COMMON])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        parser = Elements()
        parser.feed(text)
        for tag, attrs in parser.tags:
            self.assertFalse({"src", "href", "srcset", "data", "action"} & set(attrs), (tag, attrs))
            self.assertNotIn(tag, ("link", "img", "iframe", "object", "embed", "base"))
        self.assertEqual([t for t, a in parser.tags if t == "script"], ["script", "script"])
        self.assertNotRegex(text, r"(?i)(https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\()")
        policy = [a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy"]
        self.assertEqual(len(policy), 1)
        self.assertRegex(policy[0], r"^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; "
                                    r"script-src 'sha256-[A-Za-z0-9+/=]+';")

    def test_hostile_text_stays_data(self):
        """Script ends, comments, quotes, line separators, control characters and invalid UTF-8 in the
        input cannot leave the JSON string they are in."""
        stdin = "\n".join(HOSTILE).encode("utf-8") + b"\nein \xff\xfe hund\n"
        path, _ = self.report("hostile.html", ["-m", MODEL, "-b", "1"], stdin)
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")  # valid UTF-8 whatever came in
        self.assertEqual(len(re.findall(r"(?i)<script", text)), 2)
        self.assertEqual(len(re.findall(r"(?i)</script", text)), 2)
        self.assertEqual(text.count("<!--"), 0)
        self.assertNotIn("\u2028", text)
        self.assertFalse(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text))
        sentences = page_data(path)["sentences"]
        self.assertEqual([s["source_text"] for s in sentences[:3]], HOSTILE[:3])
        self.assertEqual(sentences[3]["source_text"], "ein \ufffdkind\ufffd spielt \U0001F600")
        self.assertEqual(sentences[4]["source_text"], "ein \ufffd\ufffd hund")

    def test_errors(self):
        for args, needle in ((["--html", ""], "--html"), (["--html", "-"], "--html"),
                             (["--html"], "--html"),
                             (["--html", "/nonexistent/dir/r.html"], "/nonexistent/dir/r.html"),
                             (["--check", COMMON, "--html", "x.html"], "--html"),
                             (["--tokenize", "--html", "x.html"], "--html")):
            with self.subTest(args=args):
                result = run(["-m", MODEL] + args, "ein\n")
                err = result.stderr.decode("utf-8")
                self.assertEqual(result.returncode, 2, describe(args, result))
                self.assertTrue(err.startswith("rnnsearch: ") and err.count("\n") == 1, err)
                self.assertIn(needle, err)

    def test_failed_run_leaves_no_page(self):
        """A run that fails leaves no page cut short (which would look like a short report): no new file,
        and an old one as it was (outfile.h writes a temporary file renamed into place at the end)."""
        path = os.path.join(self.directory, "failed.html")
        result = run(["-m", MODEL, "--html", path, COMMON, "/nonexistent/input.txt"])
        self.assertEqual(result.returncode, 2, describe([], result))
        self.assertFalse(os.path.exists(path))
        # a run that fails half way (line 2 has no tab for --forced) keeps an old page as it was
        with open(path, "w", encoding="utf-8") as f:
            f.write("old report\n")
        result = run(["-m", MODEL, "--forced", "--html", path], "ein hund\tdog\nkatze\n")
        self.assertEqual(result.returncode, 2, describe([], result))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), "old report\n")
        self.assertEqual([n for n in os.listdir(self.directory) if n.startswith(".failed.html")], [])

    @unittest.skipUnless(os.path.exists(DEU_ENG) and os.path.exists(MULTI30K), "deu-eng model or Multi30k missing")
    def test_100_sentences_under_1_mb(self):
        source = os.path.join(self.directory, "100.de")
        with open(MULTI30K, encoding="utf-8") as f, open(source, "w", encoding="utf-8") as g:
            g.writelines(f.readlines()[:100])
        path, _ = self.report("100.html", ["-m", DEU_ENG, source])  # beam 5, as the README says
        size = os.path.getsize(path)
        self.assertEqual(len(page_data(path)["sentences"]), 100)
        self.assertLess(size, 1_000_000)
        print(f"\n    100 Multi30k sentences: {size} bytes", file=sys.stderr, end=" ")


def chromium_or_skip():
    chromium = find_chromium()
    if chromium:
        return chromium
    if os.environ.get("CI"):
        raise AssertionError("Chromium is missing (scripts/setup.sh --test installs it): the browser tests "
                             "must run in CI")
    raise unittest.SkipTest("no chromium on PATH: the browser tests need it (scripts/setup.sh --test)")


class BrowserTest(HtmlTestCase):
    """The pages in headless Chromium, with real mouse moves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        chromium = chromium_or_skip()
        if not os.access(BINARY, os.X_OK):
            raise unittest.SkipTest("./rnnsearch is not built")
        cls.browser = Browser(chromium, width=1100, height=800)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None):
            cls.browser.close()
        super().tearDownClass()

    def open(self, path):
        self.browser.open(path)
        self.addCleanup(lambda: self.assertEqual(self.browser.problems(), []))

    def js(self, expression):
        return self.browser.evaluate(expression)

    def style(self, selector, index, prop="backgroundColor"):
        return self.js(f"getComputedStyle(document.querySelectorAll({json.dumps(selector)})[{index}]).{prop}")

    def test_renders_every_sentence_and_cell(self):
        path, _ = self.report("render.html", ["-m", MODEL, "-b", "1", COMMON])
        data = page_data(path)
        self.open(path)
        self.assertEqual(self.js("document.querySelectorAll('section.sentence').length"), len(data["sentences"]))
        cells = sum(len(s["source"]) * len(s["target"]) for s in data["sentences"])
        self.assertEqual(self.js("document.querySelectorAll('td.cell').length"), cells)
        self.assertEqual(self.js("document.querySelectorAll('.translation')[0].textContent"),
                         data["sentences"][0]["translation"])
        # a cell's colour is viridis of its weight (the stored value, as the page decodes it)
        s = data["sentences"][0]
        weights = decode(s["matrices"]["attention"], len(s["target"]), len(s["source"]))
        for t, j in ((0, 0), (len(s["target"]) - 1, len(s["source"]) - 1)):
            index = t * len(s["source"]) + j
            self.assertEqual(self.style("section.sentence:first-of-type td.cell", index), viridis_css(weights[t][j]))

    def test_long_report_builds_cards_as_they_come_into_view(self):
        """Only the first cards are built when the page opens; the others when scrolled to, then they work
        as the first ones do. The bar counts lines and hypotheses."""
        with open(COMMON, encoding="utf-8") as f:
            text = f.read() * 3
        path, _ = self.report("long.html", ["-m", MODEL, "-b", "2", "-n", "2"], text)
        data = page_data(path)
        self.open(path)
        self.assertEqual(self.js("document.querySelector('.count').textContent"),
                         f"{len(text.splitlines())} lines, {len(data['sentences'])} hypotheses")
        built = "document.querySelectorAll('section.sentence[data-built]').length"
        self.assertLess(self.js(built), len(data["sentences"]) - 10)
        last = len(data["sentences"]) - 1
        self.js(f"document.querySelectorAll('section.sentence')[{last}].scrollIntoView()")
        self.browser.wait_for(f"document.querySelectorAll('section.sentence')[{last}].dataset.built === 'true'",
                              "the last card to be built")
        s = data["sentences"][last]
        self.browser.hover("section.sentence:last-of-type span.chip.target", 0)
        readout = self.js("document.querySelector('section.sentence:last-of-type .readout').textContent")
        self.assertTrue(readout.startswith(s["target"][0] + " \u2190 "), readout)

    def test_huge_heatmap_is_not_drawn_but_tokens_still_work(self):
        """A 300-word line makes a matrix of 300 x 900 weights: the page says so instead of drawing 270,000
        cells, and hovering its tokens still names the weights."""
        words = "ein hund katze mann frau kind ball haus park läuft sieht spielt".split()
        line = " ".join(words[k * 7 % len(words)] for k in range(300))
        path, _ = self.report("huge.html", ["-m", MODEL, "-b", "1"], line + "\nein hund\n")
        s = page_data(path)["sentences"][0]
        self.assertGreater(len(s["source"]) * len(s["target"]), 40000)
        self.open(path)
        self.assertIn("too many to draw", self.js("document.querySelector('.map').textContent"))
        self.assertEqual(self.js("document.querySelectorAll('section.sentence:first-of-type td.cell').length"), 0)
        self.assertGreater(self.js("document.querySelectorAll('section.sentence:nth-of-type(2) td.cell').length"), 0)
        self.browser.hover("span.chip.target", 1)
        self.assertTrue(self.js("document.querySelector('.readout').textContent").startswith(s["target"][1] + " \u2190 "))

    def test_hover_target_highlights_its_source_and_back(self):
        path, _ = self.report("hover.html", ["-m", MODEL, "-b", "1"], "die katze sieht den hund\n")
        s = page_data(path)["sentences"][0]
        weights = decode(s["matrices"]["attention"], len(s["target"]), len(s["source"]))
        self.open(path)
        plain = self.style("span.chip.source", 0)
        t = 1
        best = max(range(len(s["source"])), key=lambda j: weights[t][j])
        self.browser.hover("span.chip.target", t)
        readout = self.js("document.querySelector('.readout').textContent")
        self.assertTrue(readout.startswith(f"{s['target'][t]} \u2190 {s['source'][best]} {weights[t][best]:.3f}"),
                        readout)
        self.assertEqual(self.style("span.chip.source", best), viridis_css(weights[t][best]))
        self.assertEqual(self.js(f"document.querySelectorAll('th.row')[{t}].classList.contains('active')"), True)
        lit = self.js("[...document.querySelectorAll('td.cell.lit, td.cell.here')].map(td => "
                      "[td.parentNode.rowIndex - 1, td.cellIndex - 1])")
        self.assertEqual(sorted(lit), [[t, j] for j in range(len(s["source"]))])
        # the reverse: a source word colours the target words by their weight on it
        j = best
        self.browser.hover("span.chip.source", j)
        for k in range(len(s["target"])):
            want = viridis_css(weights[k][j]) if weights[k][j] >= 0.1 else plain
            self.assertEqual(self.style("span.chip.target", k), want, (k, weights[k][j]))
        self.assertTrue(self.js("document.querySelector('.readout').textContent").startswith(s["source"][j] + " \u2192"))
        # a cell names its pair and value; leaving clears everything
        self.browser.hover("td.cell", t * len(s["source"]) + j)
        self.assertEqual(self.js("document.querySelector('.readout').textContent"),
                         f"{s['target'][t]} \u2190 {s['source'][j]} {weights[t][j]:.3f} (attention)")
        self.browser.hover("h1")
        self.assertEqual(self.js("document.querySelectorAll('.active, td.lit, td.here').length"), 0)
        self.assertEqual(self.style("span.chip.source", best), plain)

    def test_row_scale_and_method_switch(self):
        path, _ = self.report("methods.html", ["-m", MODEL, "-b", "1", "--explain"], "die katze sieht den hund\n")
        s = page_data(path)["sentences"][0]
        columns = len(s["source"])
        attention = decode(s["matrices"]["attention"], len(s["target"]), columns)
        occlusion = decode(s["matrices"]["occlusion"], len(s["target"]), columns)
        self.open(path)
        self.assertEqual(self.js("[...document.querySelectorAll('.methods button')].map(b => b.textContent)"),
                         ["Attention", "Occlusion"])
        self.browser.click("#row-scale")
        for t, row in enumerate(attention):  # each row's largest cell takes the top of the scale
            j = max(range(columns), key=lambda k: row[k])
            self.assertEqual(self.style("td.cell", t * columns + j), viridis_css(1.0))
        self.assertIn("row max", self.js("document.querySelector('.legend').textContent"))
        self.browser.click("#row-scale")
        self.browser.click("button[data-method=occlusion]")
        self.assertEqual(self.js("document.querySelector('button[data-method=occlusion]')"
                                 ".getAttribute('aria-pressed')"), "true")
        largest = max(abs(v) for row in occlusion for v in row)
        t, j = max(((t, j) for t in range(len(occlusion)) for j in range(columns)),
                   key=lambda p: abs(occlusion[p[0]][p[1]]))
        extreme = "rgb(178, 24, 43)" if occlusion[t][j] > 0 else "rgb(33, 102, 172)"
        self.assertEqual(self.style("td.cell", t * columns + j), extreme)
        self.assertIn(f"{largest:.3g}", self.js("document.querySelector('.legend').textContent"))
        self.browser.hover("td.cell", t * columns + j)
        self.assertTrue(self.js("document.querySelector('.readout').textContent").endswith("(occlusion)"))

    @unittest.skipUnless(os.path.exists(PERSIAN_MODEL), "models/eng-pes.json missing")
    def test_right_to_left(self):
        """English -> Persian: the translation and the target tokens run right to left, the heatmap's rows
        keep their order; a Persian source runs its columns right to left."""
        path, _ = self.report("pes.html", ["-m", PERSIAN_MODEL, "-b", "1"], "Where is the book?\nسلام دنیا\n")
        s = page_data(path)["sentences"]
        self.assertEqual((s[0]["source_rtl"], s[0]["target_rtl"], s[1]["source_rtl"]), (False, True, True))
        self.open(path)
        self.assertEqual(self.style(".translation", 0, "direction"), "rtl")
        self.assertEqual(self.style(".chips", 1, "direction"), "rtl")

        def x(selector, index):
            return self.js(f"document.querySelectorAll({json.dumps(selector)})[{index}].getBoundingClientRect().x")

        first = "section.sentence:first-of-type "
        self.assertGreater(x(first + "span.chip.target", 0), x(first + "span.chip.target", 1))
        self.assertLess(x(first + "th.col", 0), x(first + "th.col", 1))
        eos = self.js(f"document.querySelectorAll({json.dumps(first + 'span.chip.target')}).length") - 1
        self.assertEqual(self.js(f"document.querySelectorAll('{first}span.chip.target')[{eos}].textContent"), "</s>")
        self.assertEqual(self.style(first + "span.chip.target", eos, "direction"), "ltr")  # no mirrored </s>
        second = "section.sentence:nth-of-type(2) "
        self.assertGreater(x(second + "th.col", 0), x(second + "th.col", 1))
        self.assertGreater(x(second + "span.chip.source", 0), x(second + "span.chip.source", 1))

    def test_hostile_text_is_shown_not_run(self):
        path, _ = self.report("hostile-browser.html", ["-m", MODEL, "-b", "1"], "\n".join(HOSTILE) + "\n")
        self.open(path)
        self.assertEqual(self.js("[...document.querySelectorAll('.source-text')].map(p => p.textContent)")[:3],
                         HOSTILE[:3])
        self.assertEqual(self.js("document.scripts.length"), 2)
        self.assertEqual(self.js("document.querySelectorAll('b:not(.readout b)').length"), 0)
        for k in range(3):
            self.browser.hover("span.chip.source", k)

    def test_nothing_is_fetched(self):
        path, _ = self.report("offline.html", ["-m", MODEL, "-b", "1", COMMON])
        self.browser.call("Network.enable")
        self.addCleanup(self.browser.call, "Network.disable")
        self.open(path)
        urls = {p["request"]["url"] for m, p in self.browser.events if m == "Network.requestWillBeSent"}
        self.assertEqual(urls, {"file://" + os.path.abspath(path)})


if __name__ == "__main__":
    unittest.main()
