"""Corpus BLEU as sacreBLEU 2.x computes it by default, in plain Python.

  /usr/bin/python3 scripts/bleu.py REF_FILE [HYP_FILE] [-lc] [--score-only]

The hypotheses come from HYP_FILE, or standard input when it is absent or '-'. One segment per line; the two
files must have the same number of lines. The defaults are sacreBLEU's: tokenizer '13a' (the mteval-v13a.pl
rules), max n-gram order 4, smoothing 'exp', no effective order, one reference per segment. -lc lowercases
both sides first (sacreBLEU's -lc). The score line has sacreBLEU's layout with 2 decimals:

  BLEU = 35.12 67.1/42.3/28.5/19.6 (BP = 1.000 ratio = 1.002 hyp_len = 12345 ref_len = 12320)

From Python: corpus_bleu(hyps, refs, lowercase=False) -> Bleu(score, precisions, bp, lengths).
"""
import argparse
import collections
import io
import math
import re
import sys

from errors import fail

MAX_ORDER = 4

# mteval-v13a's language-dependent rules, applied in this order to the line padded with a space on each side.
# 1. Every ASCII punctuation or symbol character except ' , - . becomes a token of its own: the ranges are
#    space..&, (..+, /, :..@, [..`, {..~ .
SYMBOL = re.compile(r"([\x20-\x26\x28-\x2b\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])")
# 2. A period or comma after a non-digit is split off ("end." -> "end ."), and
# 3. one before a non-digit too ("5.a" -> "5 . a"); so only a period/comma between two digits ("3.5", "1,000")
#    stays inside its token. Both passes are single left-to-right re.sub scans whose matches do not overlap, and
#    that is part of the definition: in " a.,b " pass 2 consumes "a." and so never sees ".," .
PERIOD_COMMA_AFTER_NONDIGIT = re.compile(r"([^0-9])([.,])")
PERIOD_COMMA_BEFORE_NONDIGIT = re.compile(r"([.,])([^0-9])")
# 4. A hyphen after a digit is split off ("1-2" -> "1 - 2"); one after a letter stays ("e-mail", "a-1").
DASH_AFTER_DIGIT = re.compile(r"([0-9])(-)")

# The log of a zero precision: sacreBLEU floors it to this instead of failing, which makes the score 0.0.
LOG_ZERO = -9999999999

Bleu = collections.namedtuple("Bleu", "score precisions bp lengths")
Bleu.__doc__ = """score: BLEU in 0..100; precisions: the MAX_ORDER n-gram precisions in percent, smoothed;
bp: the brevity penalty; lengths: (hypothesis tokens, reference tokens) over the corpus."""


class BleuError(ValueError):
    pass


def tokenize_13a(line):
    """sacreBLEU's '13a' tokenizer (mteval-v13a.pl): the tokens of `line` joined by single spaces."""
    # The language-independent part: SGML leftovers of the WMT test sets. The four entities are unescaped in
    # this order and once each, so "&amp;quot;" becomes "&quot;", not '"'.
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = " " + line + " "
    line = SYMBOL.sub(r" \1 ", line)
    line = PERIOD_COMMA_AFTER_NONDIGIT.sub(r"\1 \2 ", line)
    line = PERIOD_COMMA_BEFORE_NONDIGIT.sub(r" \1 \2", line)
    line = DASH_AFTER_DIGIT.sub(r"\1 \2 ", line)
    # str.split() splits on every Unicode space (U+00A0 included), as sacreBLEU's does.
    return " ".join(line.split())


def preprocess(segment, lowercase=False):
    """The tokens BLEU sees of one segment: lowercased (optionally) before trailing space is stripped and
    the 13a tokenizer runs, in sacreBLEU's order."""
    if lowercase:
        segment = segment.lower()
    return tokenize_13a(segment.rstrip()).split()


def ngram_counts(tokens):
    counts = collections.Counter()
    for n in range(1, MAX_ORDER + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def closest_ref_len(hyp_len, ref_lens):
    """The reference length nearest the hypothesis length; the shorter one on a tie."""
    return min(ref_lens, key=lambda ref_len: (abs(hyp_len - ref_len), ref_len))


def segment_stats(hyp_tokens, refs_tokens):
    """[hyp_len, ref_len, correct_1..MAX_ORDER, total_1..MAX_ORDER] of one segment: hypothesis n-gram counts
    are clipped by the largest count of that n-gram in any one reference."""
    ref_max = collections.Counter()
    for ref in refs_tokens:
        for ngram, count in ngram_counts(ref).items():
            if count > ref_max[ngram]:
                ref_max[ngram] = count
    correct = [0] * MAX_ORDER
    total = [0] * MAX_ORDER
    for ngram, count in ngram_counts(hyp_tokens).items():
        n = len(ngram) - 1
        total[n] += count
        correct[n] += min(count, ref_max[ngram])
    ref_len = closest_ref_len(len(hyp_tokens), [len(ref) for ref in refs_tokens])
    return [len(hyp_tokens), ref_len] + correct + total


def reference_streams(refs, n_hyps):
    """sacreBLEU takes a list of reference streams; a flat list of strings is one stream."""
    if refs and all(isinstance(ref, str) for ref in refs):
        refs = [refs]
    if not refs:
        raise BleuError("no references")
    for k, stream in enumerate(refs):
        if len(stream) != n_hyps:
            raise BleuError(f"reference stream {k + 1} has {len(stream)} segments but there are {n_hyps} hypotheses")
    return refs


def corpus_stats(hyps, refs, lowercase=False):
    """The summed segment_stats of a corpus. refs: one string per hypothesis, or several such streams."""
    if not hyps:
        raise BleuError("no hypotheses")
    streams = reference_streams(refs, len(hyps))
    sums = [0] * (2 + 2 * MAX_ORDER)
    for index, hyp in enumerate(hyps):
        # Like sacreBLEU, an empty or None reference means "this segment has fewer references", and a segment
        # left with none is an error rather than a silent zero-length reference.
        segment_refs = [stream[index] for stream in streams if stream[index] is not None and stream[index] != ""]
        if not segment_refs:
            raise BleuError(f"segment {index + 1}: empty reference")
        refs_tokens = [preprocess(ref, lowercase) for ref in segment_refs]
        stats = segment_stats(preprocess(hyp, lowercase), refs_tokens)
        sums = [a + b for a, b in zip(sums, stats)]
    return sums


def bleu_from_stats(stats):
    """BLEU from summed statistics with 'exp' smoothing: the k-th order with no match, counting from the
    lowest, gets precision 1 / (2^k * total) (mteval-v13a's NIST smoothing). The arithmetic follows
    sacreBLEU's step by step so that the floats agree to the last bit."""
    hyp_len, ref_len = stats[0], stats[1]
    correct = stats[2:2 + MAX_ORDER]
    total = stats[2 + MAX_ORDER:2 + 2 * MAX_ORDER]
    if hyp_len < ref_len:
        bp = math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0
    else:
        bp = 1.0
    precisions = [0.0] * MAX_ORDER
    if not any(correct):
        return Bleu(0.0, precisions, bp, (hyp_len, ref_len))
    smooth = 1.0
    for n in range(MAX_ORDER):
        # No n-grams of this order at all (every hypothesis shorter than n): the precision stays 0 and so
        # does the score, as in sacreBLEU without effective order.
        if total[n] == 0:
            break
        if correct[n] == 0:
            smooth *= 2
            precisions[n] = 100. / (smooth * total[n])
        else:
            precisions[n] = 100. * correct[n] / total[n]
    score = bp * math.exp(sum([math.log(p) if p != 0.0 else LOG_ZERO for p in precisions]) / MAX_ORDER)
    return Bleu(score, precisions, bp, (hyp_len, ref_len))


def corpus_bleu(hyps, refs, lowercase=False):
    """Corpus BLEU of hypothesis strings against reference strings (one per hypothesis, or a list of such
    streams for several references), untokenized: the 13a tokenizer runs here."""
    return bleu_from_stats(corpus_stats(hyps, refs, lowercase))


def format_bleu(bleu):
    hyp_len, ref_len = bleu.lengths
    ratio = hyp_len / ref_len if ref_len else 0
    precisions = "/".join(f"{p:.1f}" for p in bleu.precisions)
    return (f"BLEU = {bleu.score:.2f} {precisions} (BP = {bleu.bp:.3f} ratio = {ratio:.3f} "
            f"hyp_len = {hyp_len:d} ref_len = {ref_len:d})")


def read_segments(path):
    """Lines without trailing whitespace, as sacreBLEU reads them: files split on '\\n' only, standard input
    with universal newlines."""
    if path == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
        return [line.rstrip() for line in stream]
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ref", metavar="REF_FILE", help="references, one per line")
    parser.add_argument("hyp", metavar="HYP_FILE", nargs="?", default="-",
                        help="hypotheses, one per line (default: standard input)")
    parser.add_argument("-lc", "--lowercase", action="store_true", help="case-insensitive BLEU")
    parser.add_argument("--score-only", action="store_true", help="print the score alone")
    args = parser.parse_args(argv)

    segments = {}
    for role, path in (("ref", args.ref), ("hyp", args.hyp)):
        where = "standard input" if path == "-" else path
        try:
            segments[role] = read_segments(path)
        except OSError as e:
            fail(f"bleu.py: cannot read {where}: {e.strerror}")
        except UnicodeDecodeError as e:
            fail(f"bleu.py: invalid UTF-8 in {where} at byte {e.start}")
    refs, hyps = segments["ref"], segments["hyp"]
    hyp_where = "standard input" if args.hyp == "-" else args.hyp
    if len(refs) != len(hyps):
        fail(f"bleu.py: {args.ref} has {len(refs)} lines but {hyp_where} has {len(hyps)}")
    if not hyps:
        fail(f"bleu.py: {args.ref} and {hyp_where} are empty")
    for number, ref in enumerate(refs, 1):
        if ref == "":
            fail(f"bleu.py: empty reference (sacreBLEU refuses these too), {args.ref} line {number}")
    try:
        bleu = corpus_bleu(hyps, refs, lowercase=args.lowercase)
    except BleuError as e:
        fail(f"bleu.py: {e}, {args.ref}")
    print(f"{bleu.score:.2f}" if args.score_only else format_bleu(bleu))


if __name__ == "__main__":
    main()
