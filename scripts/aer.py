#!/usr/bin/python3
"""Alignment Error Rate of rnnsearch's attention on the Hansards English-French gold alignments.

  /usr/bin/python3 scripts/aer.py [-m models/fra-eng.json] [--engine torch|rnnsearch] [--threshold 0.1]
                                  [--pharaoh FILE] [--json]

Data: DATA/alignment/hansards-enfr (DATA as scripts/data.py finds it; --data overrides the folder): enfr.fr
and enfr.en, pre-tokenised, and enfr.gold, one line per pair of 1-indexed links "i-j" (sure) and "ipj"
(possible), i an English word, j a French word. 447 pairs.

Procedure. The model translates French to English. Forced decoding (teacher forcing) feeds the French
sentence as the source and the English sentence as the target, and collects the attention: one row per
English target token and one for eos, one column per source position (bos/eos included). Each gold word is
re-tokenized on its own with the model's tokenizer (side 'source' for French, 'target' for English), so that
every model token maps to the gold word it came from; the model's own tokenization of the whole line is
checked against the concatenation (they agree unless the tokenizer looked across spaces; when they differ the
tokens are mapped to words by character offsets, and the count is reported; a pair whose characters differ
too cannot be mapped: it is counted, reported and scored as unaligned). A subword model's side (a
"sentencepiece" tokenizer object, scripts/subword.py) is segmented by SentencePiece, as the engine does (with
--engine rnnsearch the pieces are the JSONL's), each gold word on its own the same way; a piece is text with
U+2581 for a space and the model's normalization applied, so the character offsets skip U+2581 and compare
normalized text (each word normalized on its own). The token rows then become word rows as README.md
"Words and pieces" defines them for subword pieces (the same holds for a word the tokenizer split, such as
"l'homme"), the words being the gold's whitespace words: the weight of English word u on French word w is the
mean over u's tokens of the sum of the weights on w's tokens; bos/eos stay columns of their own. Hard
alignments, word to word; the eos row and bos/eos columns never make links:
  argmax         each English word links to the source position it attends to most; nothing when that
                 position is bos/eos (attention on eos acts as a NULL link)
  argmax-words   each English word links to its most attended French word (bos/eos ignored)
  threshold      each English word links to every French word with weight >= --threshold
AER = 1 - (|A & S| + |A & P|) / (|A| + |S|) over the whole set, P including S; precision = |A & P| / |A|,
recall = |A & S| / |S|. One attention model gives one direction only (English attending over French), so
there is no symmetrisation (grow-diag needs the EN->FR model too): compare with the single-direction anchors.

--methods attention,occlusion,saliency,grad_input,ig (--engine rnnsearch only) prints instead a table of AER
per attribution method (rnnsearch --forced --explain=METHODS) and symmetrisation: the argmax per target token,
the argmax per source token (the same matrix read by column), their intersection, union and grow-diag-final.
A word-level model's tokens are its words, as rnnsearch has them: the rules run on tokens, whose links then go
to their gold words. A subword model's matrices are made word level first (gold words, as above), and the rules
run on words, as rnnsearch's --align-method/--symmetrize do.
With --reverse-model FILE (default models/eng-fra.json when it exists and its vocabularies are the model's with the
sides swapped; --no-reverse: never), each method gets a second row whose source direction is the English -> French
model's argmax, forced on the French, and whose symmetrisations are rnnsearch's own (--align-method M --symmetrize
RULE --reverse-model FILE); rnnsearch's links are between its words (a subword model's pieces grouped as its JSONL
"source_word_of_piece" and "target_word_of_piece" state), each of which goes to the gold word holding its first
piece.

Engines: --engine torch (the default) runs scripts/model.py's V1Model with teacher forcing through
model.step (eval mode, no gradients); --engine rnnsearch runs `BINARY -m MODEL --forced --format jsonl -a`
on lines "french<TAB>english" (with --no-split-sentences), each output line holding one hypothesis whose
tokens are the given English tokens and whose attention has their rows plus eos.

--pharaoh FILE writes the hard alignment of --pharaoh-method (default argmax), a line per pair, links
"i-j" 0-based with i the English word and j the French word (enfr.gold's order).
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import data  # noqa: E402
from errors import fail  # noqa: E402
import subword  # noqa: E402
import tokenizer as tok  # noqa: E402

METHODS = ("argmax", "argmax-words", "threshold")
# the English -> French model of the reverse-model rows (used by default when its vocabularies fit --model's)
DEFAULT_REVERSE = os.path.join(ROOT, "models", "eng-fra.json")
# lilt/alignment-scripts README, results on this same Hansards test set (AER %).
ANCHORS = [("fast_align", 15.9, 16.4, 10.5), ("Mgiza (GIZA++)", 9.8, 8.0, 5.9)]


# ---- gold data ----

def parse_gold(line, where="gold"):
    """(sure, possible) sets of 0-based (english, french) word pairs; possible includes sure."""
    sure, possible = set(), set()
    for link in line.split():
        sep = "p" if "p" in link else "-"
        try:
            i, j = (int(x) for x in link.split(sep))
        except ValueError:
            raise ValueError(f"{where}: bad link {link!r}") from None
        if i < 1 or j < 1:
            raise ValueError(f"{where}: link {link!r} is not 1-indexed")
        pair = (i - 1, j - 1)
        possible.add(pair)
        if sep == "-":
            sure.add(pair)
    return sure, possible


def read_set(folder, limit=None):
    """[(french line, english line, sure, possible)] from enfr.fr/enfr.en/enfr.gold."""
    fr = data.read_lines(os.path.join(folder, "enfr.fr"))
    en = data.read_lines(os.path.join(folder, "enfr.en"))
    gold = data.read_lines(os.path.join(folder, "enfr.gold"))
    if not len(fr) == len(en) == len(gold):
        raise ValueError(f"{folder}: enfr.fr, enfr.en and enfr.gold have {len(fr)}, {len(en)}, {len(gold)} lines")
    pairs = []
    for k, (f, e, g) in enumerate(zip(fr, en, gold)):
        sure, possible = parse_gold(g, f"{folder}/enfr.gold, line {k + 1}")
        n_en, n_fr = len(e.split()), len(f.split())
        if any(i >= n_en or j >= n_fr for i, j in possible):
            raise ValueError(f"{folder}/enfr.gold, line {k + 1}: a link is past the end of the sentence")
        pairs.append((f, e, sure, possible))
    return pairs[:limit] if limit is not None else pairs


# ---- tokens to gold words ----

WORD_MARK = "\u2581"  # SentencePiece's word mark: a piece's space


class Side:
    """One side of a model's tokenizer object: a SentencePiece segmenter (scripts/subword.py), whose tokens are
    pieces, or word-level options (scripts/tokenizer.py)."""

    def __init__(self, config, side):
        self.segmenter = subword.side_segmenter(config, side)
        self.options = None if self.segmenter else tok.side_options(config, side)
        self.pieces = self.segmenter is not None

    def tokenize(self, line):
        return self.segmenter.encode(line) if self.pieces else tok.tokenize(line, self.options)

    def ids(self, line):
        """SentencePiece's own ids (a subword side's vocabulary is its pieces in id order): an unknown piece is
        unk even where its text equals a vocabulary string, as rnnsearch and scripts/reference.py have it."""
        return self.segmenter.sp.encode(line)

    def word_tokens(self, line):
        """The tokens of each whitespace-separated gold word, tokenized on its own."""
        return [self.tokenize(word) for word in line.split()]


def word_tokens(line, options):
    """The tokens of each whitespace-separated gold word, tokenized on its own (word-level options)."""
    return [tok.tokenize(word, options) for word in line.split()]


def map_tokens(model_tokens, words, mark=""):
    """The gold word index of each model token, and whether the model's tokens were exactly the words' tokens
    concatenated. If they were not, tokens map by character offset (the tokenizer keeps every non-separator
    character of a word, case-mapped or folded the same way whether or not it sees the whole line; a piece's
    `mark`, SentencePiece's space, is not a character of the word); None when even the characters differ."""
    flat = [(t, k) for k, ts in enumerate(words) for t in ts]
    if [t for t, _ in flat] == list(model_tokens):
        return [k for _, k in flat], True

    def chars(t):
        return t.replace(mark, "") if mark else t
    text = [chars(t) for t in model_tokens]
    owner = [k for t, k in flat for _ in chars(t)]
    if "".join(chars(t) for t, _ in flat) != "".join(text) or (text and not owner):
        return None, False
    out, offset = [], 0
    for t in text:
        # a piece that is the mark alone opens the word of the characters after it
        out.append(owner[min(offset, len(owner) - 1)])
        offset += len(t)
    return out, False


# ---- hard alignments and AER ----

def token_links(rows, first, count, method, threshold):
    """Token links (target row, source token index) from the attention rows of the target tokens (eos row
    excluded); the source tokens are columns first .. first + count - 1, the rest are bos/eos."""
    links = set()
    for t, row in enumerate(rows):
        if method == "argmax":
            best = max(range(len(row)), key=lambda c: (row[c], -c))
            if first <= best < first + count:
                links.add((t, best - first))
        elif method == "argmax-words":
            if count:
                best = max(range(first, first + count), key=lambda c: (row[c], -c))
                links.add((t, best - first))
        elif method == "threshold":
            links.update((t, c - first) for c in range(first, first + count) if row[c] >= threshold)
        else:
            raise ValueError(method)
    return links


def word_rows(rows, first, source_words, target_words, n_source_words):
    """Word-level rows (README.md "Words and pieces") from token rows (eos row excluded): [(target word,
    row)] for each target word with tokens, in order; a row has the `first` bos column(s), the n_source_words
    words, then the eos column(s), each token's weight added into its word's column."""
    grouped = {}
    for t, row in enumerate(rows):
        grouped.setdefault(target_words[t], []).append(row)
    out = []
    for u in sorted(grouped):
        members = grouped[u]
        width = len(members[0])
        tokens = len(source_words)
        folded = [0.0] * (width - tokens + n_source_words)
        for row in members:
            for c, weight in enumerate(row):
                if c < first:
                    folded[c] += weight
                elif c < first + tokens:
                    folded[first + source_words[c - first]] += weight
                else:
                    folded[c - tokens + n_source_words] += weight
        out.append((u, [x / len(members) for x in folded]))
    return out


def word_level_links(rows, first, source_words, target_words, n_source_words, method, threshold):
    """(english word, french word) links of `method` on the word rows."""
    grouped = word_rows(rows, first, source_words, target_words, n_source_words)
    links = token_links([row for _, row in grouped], first, n_source_words, method, threshold)
    return {(grouped[t][0], w) for t, w in links}


def word_links(links, target_words, source_words):
    """Token links -> (english word, french word) links."""
    return {(target_words[t], source_words[s]) for t, s in links}


class Score:
    """Counts summed over sentences: |A|, |S|, |A & S|, |A & P|."""

    def __init__(self):
        self.a = self.s = self.a_s = self.a_p = 0

    def add(self, links, sure, possible):
        possible = possible | sure
        self.a += len(links)
        self.s += len(sure)
        self.a_s += len(links & sure)
        self.a_p += len(links & possible)

    def aer(self):
        total = self.a + self.s
        return 1.0 - (self.a_s + self.a_p) / total if total else 0.0

    def precision(self):
        return self.a_p / self.a if self.a else 0.0

    def recall(self):
        return self.a_s / self.s if self.s else 0.0


def aer(sentences):
    """AER, precision, recall of [(links, sure, possible)]."""
    score = Score()
    for links, sure, possible in sentences:
        score.add(set(links), set(sure), set(possible))
    return score.aer(), score.precision(), score.recall()


# ---- forced decoding ----

def vocab_ids(index, unk, tokens):
    """Ids of tokens: a string is looked up in the vocabulary (unk when absent), an int is an id already."""
    return [t if isinstance(t, int) else index.get(t, unk) for t in tokens]


def forced_torch(model_path, items, threads=1, batch_size=32):
    """items: [(source tokens, target tokens)], tokens as strings or ids (vocab_ids). Returns per item the
    attention rows (target tokens, then eos) over the source positions with bos/eos, as lists of floats, and
    the model's (add_bos, add_eos)."""
    import torch
    from model import V1Model
    torch.set_num_threads(threads)
    v1 = V1Model(model_path)
    module = v1.model.eval()
    results = [None] * len(items)
    todo = [k for k, (s, t) in enumerate(items) if s]
    todo.sort(key=lambda k: len(items[k][0]))
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        srcs, tgts = [], []
        for k in batch:
            ids = vocab_ids(v1.src_index, v1.src_unk, items[k][0])
            if v1.add_bos:
                ids.insert(0, v1.src_bos)
            if v1.add_eos:
                ids.append(v1.src_eos)
            srcs.append(ids)
            tgts.append([v1.tgt_bos] + vocab_ids(v1.tgt_index, v1.tgt_unk, items[k][1]))
        src = torch.zeros(len(batch), max(map(len, srcs)), dtype=torch.long)
        tgt = torch.zeros(len(batch), max(map(len, tgts)), dtype=torch.long)
        for b, (s, t) in enumerate(zip(srcs, tgts)):
            src[b, :len(s)] = torch.tensor(s)
            tgt[b, :len(t)] = torch.tensor(t)
        lens = torch.tensor([len(s) for s in srcs])
        with torch.no_grad():
            enc_out, mask, state, keys = module.encode(src, lens)
            steps = []
            for t in range(tgt.size(1)):
                _, state, weights = module.step(tgt[:, t], state, enc_out, keys, mask)
                steps.append(weights)
            weights = torch.stack(steps, dim=1)  # [B, T + 1, S]
        for b, k in enumerate(batch):
            results[k] = weights[b, :len(tgts[b]), :len(srcs[b])].tolist()
    return results, (v1.add_bos, v1.add_eos)


def forced_rnnsearch(binary, model_path, lines, extra=(), hypotheses=None, objects=None):
    """lines: [(french line, english line)]. Returns per line (source tokens with bos/eos, hypothesis tokens,
    attention rows) from `BINARY -m MODEL --forced --format jsonl -a` (plus the options `extra`); each
    hypothesis's whole JSON object is appended to the list `hypotheses` when one is given, each line's to
    `objects`."""
    for f, e in lines:
        if "\t" in f or "\t" in e or "\n" in f or "\n" in e:
            raise ValueError("a sentence holds a tab or newline: cannot pass it to --forced")
    text = "".join(f"{f}\t{e}\n" for f, e in lines)
    # Hansards pairs are aligned as wholes (and PyTorch does not split): no sentence splitting
    done = subprocess.run([binary, "-m", model_path, "--forced", "--format", "jsonl", "-a", "--no-split-sentences"]
                          + list(extra), input=text.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise ValueError(f"{binary} --forced failed (exit {done.returncode}): {done.stderr.decode().strip()}")
    out = done.stdout.decode("utf-8").splitlines()
    if len(out) != len(lines):
        raise ValueError(f"{binary} --forced: {len(out)} output lines for {len(lines)} inputs")
    results = []
    for k, line in enumerate(out):
        obj = json.loads(line)
        if obj.get("id") != k or len(obj.get("hypotheses", [])) != 1:
            raise ValueError(f"{binary} --forced, output line {k + 1}: expected id {k} and one hypothesis")
        hyp = obj["hypotheses"][0]
        results.append((obj["source"], hyp["tokens"], hyp.get("attention")))
        if hypotheses is not None:
            hypotheses.append(hyp)
        if objects is not None:
            objects.append(obj)
    return results


def model_word_owners(word_of_piece, first, count, piece_owners):
    """The gold word of each of the model's words over the positions first .. first + count - 1 (bos/eos
    excluded, so the words count from 0 as rnnsearch's Pharaoh links count them): the gold word of the word's
    first token. word_of_piece: a subword model's JSONL "source_word_of_piece" or "target_word_of_piece"; None
    for a word-level model, whose tokens are its words. piece_owners: the tokens' gold words (map_tokens'); None
    when it is None."""
    if piece_owners is None:
        return None
    if word_of_piece is None:
        return list(piece_owners)
    inner = word_of_piece[first:first + count]
    owners = {}
    for p, w in enumerate(inner):
        owners.setdefault(w - inner[0], piece_owners[p])
    if sorted(owners) != list(range(len(owners))):
        return None
    return [owners[w] for w in range(len(owners))]


# ---- the evaluation ----

def evaluate(model_path, pairs, engine="torch", binary=None, threshold=0.1, threads=1, batch_size=32):
    """Runs forced decoding over pairs (read_set's) and returns a report dict; report["links"][method] holds the
    word links of every pair (None for a pair skipped)."""
    with open(model_path, encoding="utf-8") as f:
        doc = json.load(f)
    config = doc.get("tokenizer") or {}
    src_side, tgt_side = Side(config, "source"), Side(config, "target")
    src_vocab, tgt_vocab = set(doc["source"]["vocab"]), set(doc["target"]["vocab"])
    add_bos, add_eos = bool(doc["source"].get("add_bos", False)), bool(doc["source"].get("add_eos", True))
    meta = doc.get("meta") or {}
    del doc

    src_words = [src_side.word_tokens(f) for f, _, _, _ in pairs]
    tgt_words = [tgt_side.word_tokens(e) for _, e, _, _ in pairs]
    src_tokens = [src_side.tokenize(f) for f, _, _, _ in pairs]
    tgt_tokens = [tgt_side.tokenize(e) for _, e, _, _ in pairs]

    if engine == "torch":
        items = [(src_side.ids(f) if src_side.pieces else src_tokens[k],
                  tgt_side.ids(e) if tgt_side.pieces else tgt_tokens[k]) for k, (f, e, _, _) in enumerate(pairs)]
        matrices, (add_bos, add_eos) = forced_torch(model_path, items, threads, batch_size)
    elif engine == "rnnsearch":
        outputs = forced_rnnsearch(binary, model_path, [(f, e) for f, e, _, _ in pairs])
        matrices = []
        for k, (source, hyp_tokens, rows) in enumerate(outputs):
            inner = source[(1 if add_bos else 0):len(source) - (1 if add_eos else 0)]
            src_tokens[k], tgt_tokens[k] = inner, hyp_tokens
            matrices.append(rows)
    else:
        raise ValueError(f"unknown engine {engine!r}")

    report = {"model": model_path, "engine": engine, "threshold": threshold, "sentences": len(pairs),
              "skipped": 0, "unmapped": 0, "tokenization_mismatches": 0,
              "pieces": [src_side.pieces, tgt_side.pieces],
              "meta_languages": [meta.get("source_language"), meta.get("target_language")]}
    scores = {m: Score() for m in METHODS}
    links_out = {m: [] for m in METHODS}
    first = 1 if add_bos else 0
    oov = [0, 0, 0, 0]  # source unknown, source total, target unknown, target total
    for k, (f, e, sure, possible) in enumerate(pairs):
        src_map, src_exact = map_tokens(src_tokens[k], src_words[k], WORD_MARK if src_side.pieces else "")
        tgt_map, tgt_exact = map_tokens(tgt_tokens[k], tgt_words[k], WORD_MARK if tgt_side.pieces else "")
        rows = matrices[k]
        if not (src_exact and tgt_exact):
            report["tokenization_mismatches"] += 1
        if src_map is None or tgt_map is None:
            report["unmapped"] += 1
        ok = (src_map is not None and tgt_map is not None and rows is not None
              and len(rows) == len(tgt_tokens[k]) + 1
              and all(len(r) == len(src_tokens[k]) + first + (1 if add_eos else 0) for r in rows))
        if not ok:
            report["skipped"] += 1
            for m in METHODS:
                scores[m].add(set(), sure, possible)  # a skipped pair counts as unaligned, not as absent
                links_out[m].append(None)
            continue
        oov[0] += sum(t not in src_vocab for t in src_tokens[k])
        oov[1] += len(src_tokens[k])
        oov[2] += sum(t not in tgt_vocab for t in tgt_tokens[k])
        oov[3] += len(tgt_tokens[k])
        for m in METHODS:
            links = word_level_links(rows[:-1], first, src_map, tgt_map, len(src_words[k]), m, threshold)
            scores[m].add(links, sure, possible)
            links_out[m].append(links)
    report["source_oov"] = oov[0] / oov[1] if oov[1] else 0.0
    report["target_oov"] = oov[2] / oov[3] if oov[3] else 0.0
    report["sure_links"] = sum(len(s) for _, _, s, _ in pairs)
    report["possible_links"] = sum(len(p | s) for _, _, s, p in pairs)
    report["results"] = {m: {"aer": s.aer(), "precision": s.precision(), "recall": s.recall(), "links": s.a}
                         for m, s in scores.items()}
    report["links"] = links_out
    return report


# ---- alignments from any attribution method, symmetrised ----

SYMMETRISATIONS = ("target-argmax", "source-argmax", "intersection", "union", "grow-diag-final")


def directional_links(matrix, first, count):
    """(target -> its best source token, source token -> its best target) link sets of a [target rows, source
    positions] score matrix (eos row already dropped; bos/eos columns never link; ties to the lower index)."""
    rows = range(len(matrix))
    t2s = {(t, max(range(first, first + count), key=lambda c: (matrix[t][c], -c)) - first) for t in rows} \
        if count else set()
    s2t = {(max(rows, key=lambda t: (matrix[t][c], -t)), c - first) for c in range(first, first + count)} \
        if len(matrix) else set()
    return t2s, s2t


def grow_diag_final(t2s, s2t):
    """Koehn's grow-diag-final of two directional link sets."""
    union, links = t2s | s2t, set(t2s & s2t)
    neighbours = [(-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
    grown = True
    while grown:
        grown = False
        for t, c in sorted(links):
            for dt, dc in neighbours:
                p = (t + dt, c + dc)
                if p in union and p not in links and (all(q[0] != p[0] for q in links)
                                                      or all(q[1] != p[1] for q in links)):
                    links.add(p)
                    grown = True
    for direction in (t2s, s2t):
        for p in sorted(direction):
            if all(q[0] != p[0] for q in links) or all(q[1] != p[1] for q in links):
                links.add(p)
    return links


def float32(x):
    """x rounded to the nearest float32, as C stores it."""
    return struct.unpack("f", struct.pack("f", x))[0]


def apply_prior(rows, first, count, method, tension):
    """rnnsearch --align-prior (src/cli/align.h rs_links_prior), bit for bit: each row's word columns [first,
    first + count) become P(w | row) = softmax_w(score - tension * |(r + 1/2) / rows - (w + 1/2) / count|),
    score being log(max(x, 1e-9)) for attention and saliency and x itself for the other methods (differences of
    log p); the same operations in the same order in double, each result rounded to float32. Returns new rows."""
    out = []
    for r, row in enumerate(rows):
        at = (r + 0.5) / len(rows)

        def logit(w):
            x = row[first + w]
            score = (math.log(x) if x > 1e-9 else math.log(1e-9)) if method in ("attention", "saliency") else x
            return score - tension * abs(at - (w + 0.5) / count)
        best = max((logit(w) for w in range(count)), default=0.0)
        total = 0.0
        for w in range(count):
            total += math.exp(logit(w) - best)
        new = list(row)
        for w in range(count):
            new[first + w] = float32(math.exp(logit(w) - best) / total)
        out.append(new)
    return out


def symmetrised(matrix, first, count):
    t2s, s2t = directional_links(matrix, first, count)
    return {"target-argmax": t2s, "source-argmax": s2t, "intersection": t2s & s2t, "union": t2s | s2t,
            "grow-diag-final": grow_diag_final(t2s, s2t)}


def pharaoh_token_links(text):
    """rnnsearch's "s-t" pairs -> {(target token, source token)}."""
    return {(int(t), int(s)) for s, t in (p.split("-") for p in text.split())}


def reverse_fits(model_path, reverse_path):
    """Whether reverse_path's vocabularies are model_path's with the sides swapped, as rnnsearch --reverse-model
    requires (the default reverse model is used only then: the word-level fra-eng-word has vocabularies of its
    own)."""
    with open(model_path, encoding="utf-8") as f:
        model = json.load(f)
    with open(reverse_path, encoding="utf-8") as f:
        reverse = json.load(f)
    return (model["source"]["vocab"] == reverse["target"]["vocab"] and
            model["target"]["vocab"] == reverse["source"]["vocab"])


def load_sides(model_path):
    """(source Side, target Side, add_bos, add_eos) of a model file."""
    with open(model_path, encoding="utf-8") as f:
        doc = json.load(f)
    config = doc.get("tokenizer") or {}
    return (Side(config, "source"), Side(config, "target"), bool(doc["source"].get("add_bos", False)),
            bool(doc["source"].get("add_eos", True)))


def token_owners(side, tokens, line):
    """The gold word (whitespace word of line) of each of a side's tokens, or None (map_tokens)."""
    return map_tokens(tokens, side.word_tokens(line), WORD_MARK if side.pieces else "")[0]


def source_span(source, add_bos, add_eos):
    """(first, count): where a JSONL "source" list's own tokens are, bos/eos aside."""
    first = 1 if add_bos else 0
    return first, len(source) - first - (1 if add_eos else 0)


def word_owners(obj, sides, lines):
    """(gold word of each source word, gold word of each target word) of one forced JSONL line, the words as
    rnnsearch's Pharaoh links count them; each None when its tokens cannot be mapped. sides: load_sides';
    lines: (source line, target line)."""
    src_side, tgt_side, add_bos, add_eos = sides
    source, hyp = obj["source"], obj["hypotheses"][0]
    first, count = source_span(source, add_bos, add_eos)
    src = model_word_owners(obj.get("source_word_of_piece"), first, count,
                            token_owners(src_side, source[first:first + count], lines[0]))
    tgt = model_word_owners(hyp.get("target_word_of_piece"), 0, len(hyp["tokens"]),
                            token_owners(tgt_side, hyp["tokens"], lines[1]))
    return src, tgt


def evaluate_reverse(model_path, reverse_path, pairs, binary, methods, ig_steps=None, unmapped=None,
                     occlusion_unit="piece", tension=None):
    """Rows "METHOD (reverse model)": the target-argmax column is this model's argmax alone, source-argmax the
    reverse model's (English -> French, forced on the French) alone, and the symmetrisations rnnsearch's own
    `--symmetrize RULE --reverse-model` links, word to word (a subword model's words, README "Words and
    pieces"), each word then mapped to the gold word holding it. Returns {row: {symmetrisation: (aer,
    precision, recall)}}; the indices of pairs that cannot be mapped to the gold words go into the set
    `unmapped` when one is given (they count as unaligned)."""
    sides, reverse_sides = load_sides(model_path), load_sides(reverse_path)
    extra = (["--ig-steps", str(ig_steps)] if ig_steps else []) + ["--occlusion-unit", occlusion_unit] + \
        (["--align-prior", repr(tension)] if tension is not None else [])
    results = {}
    for m in methods:
        runs, objs, reverse_objs = {}, [], []
        for sym in ("none",) + SYMMETRISATIONS[2:]:
            hyps = []
            options = ["--align-method", m, "--symmetrize", sym] + extra
            forced_rnnsearch(binary, model_path, [(f, e) for f, e, _, _ in pairs],
                             options + (["--reverse-model", reverse_path] if sym != "none" else []), hyps,
                             objs if sym == "none" else None)
            runs["target-argmax" if sym == "none" else sym] = [pharaoh_token_links(h["alignment"]) for h in hyps]
        hyps = []
        forced_rnnsearch(binary, reverse_path, [(e, f) for f, e, _, _ in pairs], ["--align-method", m] + extra, hyps,
                         reverse_objs)
        runs["source-argmax"] = [{(s, t) for t, s in pharaoh_token_links(h["alignment"])} for h in hyps]
        # the reverse model's words: English its source, French its target
        maps = [word_owners(obj, sides, (f, e)) for obj, (f, e, _, _) in zip(objs, pairs)]
        reverse_maps = [word_owners(obj, reverse_sides, (e, f))[::-1] for obj, (f, e, _, _) in zip(reverse_objs, pairs)]
        row = {}
        for sym in SYMMETRISATIONS:
            score = Score()
            for k, (_, _, sure, possible) in enumerate(pairs):
                src_map, tgt_map = (reverse_maps if sym == "source-argmax" else maps)[k]
                ok = src_map is not None and tgt_map is not None
                if not ok and unmapped is not None:
                    unmapped.add(k)
                score.add(word_links(runs[sym][k], tgt_map, src_map) if ok else set(), sure, possible)
            row[sym] = (score.aer(), score.precision(), score.recall())
        results[f"{method_row(m, tension)} (reverse model)"] = row
    return results


def method_links(rows, first, src_map, tgt_map, n_source_words, pieces, method=None, tension=None):
    """{symmetrisation: (english word, french word) links} of one method's [target token rows (eos row dropped)
    x source positions] matrix. A word-level model's tokens are its words, as rnnsearch has them: the rules
    run on tokens, whose links then go to their gold words. A subword model's matrix is made word level first
    (README "Words and pieces": mean over a target word's pieces of the sums over a source word's pieces), the
    words being the gold words, so the rules run on words, as rnnsearch's --align-method/--symmetrize do.
    With a tension, the rows go through apply_prior first (--align-prior)."""
    if not pieces:
        if tension is not None:
            rows = apply_prior(rows, first, len(src_map), method, tension)
        return {sym: word_links(links, tgt_map, src_map)
                for sym, links in symmetrised(rows, first, len(src_map)).items()}
    grouped = word_rows(rows, first, src_map, tgt_map, n_source_words)
    word_matrix = [row for _, row in grouped]
    if tension is not None:
        word_matrix = apply_prior(word_matrix, first, n_source_words, method, tension)
    sym_links = symmetrised(word_matrix, first, n_source_words)
    return {sym: {(grouped[t][0], w) for t, w in links} for sym, links in sym_links.items()}


def evaluate_methods(model_path, pairs, binary, methods, ig_steps=None, unmapped=None, occlusion_unit="piece",
                     tension=None):
    """AER of every method x symmetrisation, from `rnnsearch --forced --explain=METHODS` (with a tension: the
    matrices read through --align-prior's apply_prior; rows named "METHOD prior T", and a baseline row of the
    prior alone, every score equal); returns
    {method: {symmetrisation: (aer, precision, recall)}}; the indices of pairs that cannot be mapped to the
    gold words go into the set `unmapped` when one is given (they count as unaligned)."""
    src_side, tgt_side, add_bos, add_eos = load_sides(model_path)
    extra = ["--explain=" + ",".join(methods), "--occlusion-unit", occlusion_unit] + \
        (["--ig-steps", str(ig_steps)] if ig_steps else [])
    hyps = []
    outputs = forced_rnnsearch(binary, model_path, [(f, e) for f, e, _, _ in pairs], extra, hyps)
    # with a prior, a baseline row: the prior alone, every score equal (what the diagonal gives without the model)
    rows = list(methods) + (["diagonal"] if tension is not None else [])
    scores = {m: {s: Score() for s in SYMMETRISATIONS} for m in rows}
    for k, (f, e, sure, possible) in enumerate(pairs):
        source, tokens, _ = outputs[k]
        first, count = source_span(source, add_bos, add_eos)
        src_map = token_owners(src_side, source[first:first + count], f)
        tgt_map = token_owners(tgt_side, tokens, e)
        if (src_map is None or tgt_map is None) and unmapped is not None:
            unmapped.add(k)
        for m in rows:
            matrix = hyps[k].get(m) if m != "diagonal" else [[0.0] * len(source) for _ in range(len(tokens) + 1)]
            ok = src_map is not None and tgt_map is not None and matrix and len(matrix) == len(tokens) + 1
            links = method_links(matrix[:-1], first, src_map, tgt_map, len(f.split()),
                                 src_side.pieces or tgt_side.pieces, m, tension) if ok else {}
            for sym in SYMMETRISATIONS:
                scores[m][sym].add(links.get(sym, set()), sure, possible)
    return {method_row(m, tension): {s: (x.aer(), x.precision(), x.recall()) for s, x in row.items()}
            for m, row in scores.items()}


def method_row(method, tension):
    if method == "diagonal":
        return f"prior {tension:g} alone (no model)"
    return method if tension is None else f"{method} prior {tension:g}"


def print_methods_table(results, out=sys.stdout):
    out.write("| method | " + " | ".join(SYMMETRISATIONS) + " |\n|---|" + "---|" * len(SYMMETRISATIONS) + "\n")
    for m, row in results.items():
        cells = [f"{100 * row[s][0]:.1f} ({100 * row[s][1]:.0f}/{100 * row[s][2]:.0f})" for s in SYMMETRISATIONS]
        out.write(f"| {m} | " + " | ".join(cells) + " |\n")
    out.write("AER % (precision/recall) of word links from each method's [target x source] matrix: the argmax\n"
              "per target token, per source token (a subword model's: per word), and their symmetrisations; a row\n"
              "\"(reverse model)\" takes the source-argmax direction from the English -> French model instead\n"
              "(rnnsearch --reverse-model).\n")


def method_label(method, threshold):
    return f"threshold >= {threshold:g}" if method == "threshold" else method


def print_table(report, out=sys.stdout):
    r = report
    out.write(f"Hansards en-fr gold alignments: {r['sentences']} pairs, {r['sure_links']} sure links, "
              f"{r['possible_links']} possible (sure included)\n")
    kind = "pieces" if all(r["pieces"]) else "tokens"
    out.write(f"model {r['model']} (French -> English), engine {r['engine']}; out-of-vocabulary {kind}: "
              f"French {100 * r['source_oov']:.1f}%, English {100 * r['target_oov']:.1f}%\n")
    if any(r["pieces"]):
        out.write("subword pieces grouped into the gold words (README \"Words and pieces\")\n")
    if r["tokenization_mismatches"]:
        out.write(f"line tokenization differs from the gold words' tokens in {r['tokenization_mismatches']} pairs "
                  f"(mapped by character offsets)\n")
    if r["skipped"]:
        out.write(f"{r['skipped']} pairs could not be scored and count as unaligned ({r['unmapped']} of them "
                  f"because their tokens could not be mapped to the gold words)\n")
    langs = r["meta_languages"]
    if langs[0] and (langs[0], langs[1]) != ("fr", "en"):
        out.write(f"warning: the model's meta says {langs[0]} -> {langs[1]}, this evaluation expects fr -> en\n")
    out.write("\n{:<22} {:>6} {:>10} {:>7} {:>8}\n".format("method", "AER", "precision", "recall", "links"))
    for m in METHODS:
        x = r["results"][m]
        out.write("{:<22} {:>6.1f} {:>10.1f} {:>7.1f} {:>8d}\n".format(
            method_label(m, r["threshold"]), 100 * x["aer"], 100 * x["precision"], 100 * x["recall"], x["links"]))
    out.write("\nAER (%) of word aligners on the same test set, for reference (lilt/alignment-scripts README):\n")
    out.write("{:<22} {:>8} {:>8} {:>10}\n".format("", "FR->EN", "EN->FR", "grow-diag"))
    for name, fe, ef, gd in ANCHORS:
        out.write(f"{name:<22} {fe:>8.1f} {ef:>8.1f} {gd:>10.1f}\n")
    out.write("Our rows are one direction only (English tokens attending over French, like FR->EN above): an\n"
              "attention model does not give the reverse direction, so there is no symmetrised (grow-diag) row.\n")


def write_pharaoh(path, links):
    with open(path, "w", encoding="utf-8") as f:
        for sentence in links:
            f.write(" ".join(f"{i}-{j}" for i, j in sorted(sentence or ())) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--model", default=os.path.join(ROOT, "models", "fra-eng.json"),
                        help="a French->English v1 model, word level or subword (SentencePiece: its pieces are "
                             "grouped into the gold's words; default models/fra-eng.json)")
    parser.add_argument("--engine", choices=["torch", "rnnsearch"], default="torch",
                        help="who does the forced decoding: PyTorch (scripts/model.py) or --binary (default torch)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "rnnsearch"), help="for --engine rnnsearch")
    parser.add_argument("--threshold", type=float, default=0.1, help="for the threshold method (default 0.1)")
    parser.add_argument("--data", help="the hansards-enfr folder (default DATA/alignment/hansards-enfr)")
    parser.add_argument("--limit", type=int, help="only the first N pairs")
    parser.add_argument("--pharaoh", metavar="FILE", help="write the hard alignments, 0-based english-french "
                        "(gold words, a subword model's pieces grouped into them)")
    parser.add_argument("--pharaoh-method", choices=METHODS, default="argmax",
                        help="the rule whose links --pharaoh writes (default argmax)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--batch-size", type=int, default=32, help="--engine torch: pairs per batch (default 32)")
    parser.add_argument("--methods", help="instead: a table of AER per attribution method (a comma list of "
                        "rnnsearch --explain=METHODS) x symmetrisation, from --binary")
    parser.add_argument("--ig-steps", type=int, help="with --methods: rnnsearch --ig-steps (default: adaptive)")
    parser.add_argument("--occlusion-unit", choices=["piece", "word"], default="piece",
                        help="with --methods: rnnsearch --occlusion-unit (a subword model's words occluded whole "
                             "with word; default piece)")
    parser.add_argument("--reverse-model", metavar="FILE",
                        help="with --methods: an English -> French model for rows symmetrised with it (rnnsearch "
                             "--reverse-model; default models/eng-fra.json when it exists and its vocabularies are "
                             "--model's with the sides swapped)")
    parser.add_argument("--no-reverse", action="store_true", help="with --methods: no reverse-model rows")
    parser.add_argument("--align-prior", type=float, metavar="T",
                        help="with --methods: read each matrix through rnnsearch --align-prior T (fast_align's "
                             "diagonal prior, 4 its default tension; default: none)")
    args = parser.parse_args(argv)
    if not 0.0 < args.threshold <= 1.0:
        parser.error("--threshold must be in (0, 1]")
    if args.align_prior is not None and not 0.0 <= args.align_prior <= 1000.0:
        parser.error("--align-prior must be in [0, 1000]")

    folder = args.data or os.path.join(data.data_root(), "alignment", "hansards-enfr")
    if args.methods:
        unmapped = set()
        try:
            pairs = read_set(folder, args.limit)
            results = evaluate_methods(args.model, pairs, args.binary, args.methods.split(","), args.ig_steps,
                                       unmapped, args.occlusion_unit, args.align_prior)
            reverse = args.reverse_model or (DEFAULT_REVERSE if os.path.exists(DEFAULT_REVERSE) and
                                             reverse_fits(args.model, DEFAULT_REVERSE) else None)
            if reverse and not args.no_reverse:
                results.update(evaluate_reverse(args.model, reverse, pairs, args.binary, args.methods.split(","),
                                                args.ig_steps, unmapped, args.occlusion_unit, args.align_prior))
        except (OSError, ValueError, KeyError) as e:
            fail(f"aer.py: {e}")
        if unmapped:
            sys.stderr.write(f"aer.py: warning: {len(unmapped)} of {len(pairs)} pairs could not be mapped to the gold "
                             f"words (their tokens' characters differ from the words'); they count as unaligned\n")
        print(json.dumps(results, indent=1)) if args.json else print_methods_table(results)
        return
    try:
        pairs = read_set(folder, args.limit)
        report = evaluate(args.model, pairs, args.engine, args.binary, args.threshold, args.threads,
                          args.batch_size)
    except (OSError, ValueError, KeyError) as e:
        fail(f"aer.py: {e}")
    if args.pharaoh:
        write_pharaoh(args.pharaoh, report["links"][args.pharaoh_method])
    del report["links"]
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
