#!/usr/bin/python3
"""rnnsearch against PyTorch eager (scripts/reference.py) on a model of the size of bentrevett's tutorial 3, in
one run: builds the model files, decodes the same inputs with both, checks they agree, and prints ratios.

  /usr/bin/python3 scripts/bench.py [--repeats 3] [--lines 400] [--markdown FILE]     (or `make bench`)

The model (random weights, 14.8M parameters): embeddings 256, bidirectional GRU encoder 2 x 256, GRU decoder
512, additive attention 512, bridge linear_tanh, output ["state", "context", "embedding"], vocabularies
8000 / 6000, add_bos and add_eos (as tutorial 3). PyTorch's default initialisation, then two changes so that
outputs look like translations (confident tokens, eos after 10-30 of them) instead of random strings that run
to the length limit:
  - the output layer is scaled by 12, so the best token typically has log p between -2.5 and -0.5;
  - eos needs two things: decoder unit 0 is a clock (its GRU weights zeroed, biases set so that
    h_t = 0.99 - 1.985 * 0.9^t, rising from -1 towards 1) and 10% of the target words are "final" (their
    embeddings get +10 along a unit vector u, orthogonal to all the others). The eos row of the output layer
    reads only 10 u from the embedding part and 40 from unit 0, with bias -100 + 8, so its logit is
    40 (h_t + 0.2) after a final word and 100 less after any other: eos wins after a final word once the
    clock is past about 0.15 (step 8), never before, never after other words. On the benchmark's input,
    greedy outputs then have 7-63 tokens before eos (median 14, mean 17), beam-5 outputs 7-17.
Files: f32 base64 (79 MB), f16 base64, and the number-array form a plain json.dump of tensor.tolist() writes
(nested lists of Python floats, 321 MB).

What is measured (medians of --repeats runs, with their spread; each side at its fastest setting):
  - greedy file throughput: the whole rnnsearch process on the input file (load included, --batch-size 256;
    f32, f16, and f16 with --quantize int8) against PyTorch's batched greedy decoding (model already loaded)
    at its best: batch 64 and 128, torch.set_num_threads 1 and 2 each with OPENBLAS_NUM_THREADS 1 and 2,
    under torch.inference_mode(), the fastest of these reported (the f16 file: only the f32 file's fastest
    setting, as PyTorch computes it in f32 at the same speed);
  - beam 5 throughput: the same, on the first --beam-lines lines (PyTorch decodes a sentence at a time);
  - interactive latency: one sentence at a time, greedy: rnnsearch as a coprocess (a line written to its
    pipe, its answer read back) against PyTorch batch 1 (f32, f16, and f16 with --quantize int8);
  - model load: rnnsearch with empty input (the whole process) against Python's json.load of the same file;
  - peak memory: max RSS of the whole rnnsearch process translating the file, against the f32 weights and
    against PyTorch's process;
  - GFLOP/s of the greedy file decode (matrix-product FLOPs counted from the outputs) against OpenBLAS sgemm
    on 2048 x 2048 matrices measured in the same run (in a process without PyTorch, before and after the
    decoding runs, the better of the two: a virtual machine's speed drifts), and what that peak means:
    the time the FLOPs would take at it, against PyTorch's time (the most any engine could gain);
  - the memory floor of interactive use: a sentence alone reads every weight matrix once per step, so the
    median interactive sentence's steps x the weight bytes / the memory read bandwidth (one-thread OpenBLAS
    sasum per thread over shares of 256 MB, same probes) is a time no engine can beat at that precision.
PyTorch runs in fresh processes (one per setting, after a warm-up), rnnsearch as a new process per run. Both
sides decode the same input file (the same length distribution). The report names the CPU features each
side used: rnnsearch's kernel table (`rnnsearch -V`) and torch.backends.cpu.get_cpu_capability().
The f16 form of the model is decoded too: its weights are exact f16 values, which rnnsearch keeps as f16 for
its products (PyTorch widens them to f32 on load).
Outputs must agree: the same text for every line, scores within 1e-3 (sums of up to 60 and more float32
log-probabilities, added in another order)."""
import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import torch  # noqa: E402

import reference  # noqa: E402
from jsonl_compare import compare  # noqa: E402
from model import RNNSearch, save_v1  # noqa: E402

BINARY = os.path.join(ROOT, "rnnsearch")
CONFIG = {"encoder": {"embedding_dim": 256, "hidden_size": 256, "num_layers": 1, "bidirectional": True},
          "decoder": {"embedding_dim": 256, "hidden_size": 512, "num_layers": 1},
          "bridge": "linear_tanh", "attention": {"score": "additive", "dim": 512},
          "output": ["state", "context", "embedding"]}
VS, VT = 8000, 6000
SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
EOS = 2


# ---- the model ----

def build_model(seed=0):
    """Tutorial 3's sizes with random weights whose greedy outputs end at eos after 10-30 tokens (module
    docstring)."""
    torch.manual_seed(seed)
    m = RNNSearch(CONFIG, VS, VT).eval()
    g = torch.Generator().manual_seed(seed + 1)
    hd, clock = 512, 0
    with torch.no_grad():
        m.output.weight.mul_(12)
        m.output.bias.mul_(12)
        u = torch.randn(256, generator=g)
        u /= u.norm()
        emb = m.decoder.embedding.weight
        emb -= torch.outer(emb @ u, u)
        words = torch.randperm(VT - len(SPECIALS), generator=g) + len(SPECIALS)
        emb[words[: (VT - len(SPECIALS)) // 10]] += 10 * u
        rnn = m.decoder.rnn
        for gate in range(3):
            for t in (rnn.weight_ih_l0, rnn.weight_hh_l0):
                t[gate * hd + clock].zero_()
            rnn.bias_ih_l0[gate * hd + clock] = 0
            rnn.bias_hh_l0[gate * hd + clock] = 0
        rnn.bias_ih_l0[hd + clock] = math.log(0.9 / 0.1)  # z = 0.9
        rnn.bias_ih_l0[2 * hd + clock] = math.atanh(0.99)  # n = 0.99
        m.bridge.weight[clock].zero_()
        m.bridge.bias[clock] = -3.0  # h_0 = tanh(-3)
        w = m.output.weight
        w[EOS].zero_()
        w[EOS, 512 + 512:] = 10 * u
        w[EOS, clock] = 40
        m.output.bias[EOS] = -100 + 40 * 0.2
    return m


def vocabularies():
    return SPECIALS + [f"s{i}" for i in range(VS - 4)], SPECIALS + [f"t{i}" for i in range(VT - 4)]


def write_models(directory, log):
    m = build_model()
    params = sum(p.numel() for p in m.parameters())
    src, tgt = vocabularies()
    paths = {}
    for dtype in ("f32", "f16"):
        paths[dtype] = os.path.join(directory, f"tutorial3.{dtype}.json")
        save_v1(paths[dtype], m, src, tgt, add_bos=True, add_eos=True, dtype=dtype)
    # the number-array form: what json.dump of tensor.tolist() writes
    paths["numbers"] = os.path.join(directory, "tutorial3.numbers.json")
    with open(paths["f32"], encoding="utf-8") as f:
        doc = json.load(f)
    doc["tensors"] = {name: {"shape": list(t.shape), "data": t.tolist()} for name, t in m.state_dict().items()}
    with open(paths["numbers"], "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    del doc
    for key, path in paths.items():
        log(f"model {key}: {path} ({os.path.getsize(path) / 1e6:.0f} MB)")
    return paths, params


def write_input(path, lines, seed=5):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            f.write(" ".join(f"s{rng.randrange(VS - 4)}" for _ in range(rng.randint(4, 30))) + "\n")


# ---- running things ----

# The max RSS of a child forked from this (big) Python process counts the pages it shared with it before exec,
# so commands run under a small parent that reports its child's: GNU time, else a minimal Python.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RSS_HELPER = ("import os, subprocess, sys\n"
              "p = subprocess.Popen(sys.argv[2:])\n"
              "_, status, usage = os.wait4(p.pid, 0)\n"
              "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
              "sys.exit(os.waitstatus_to_exitcode(status))\n")


def run_child(args, stdin_path=None, stdout_path=None, env=None):
    """Runs a command (its output to stdout_path, or dropped); returns (wall seconds, its max RSS in MB)."""
    fd, rss_path = tempfile.mkstemp(prefix="rnnsearch-bench-rss-")
    os.close(fd)
    if GNU_TIME:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss_path] + list(args)
    else:
        wrapped = [sys.executable, "-S", "-c", RSS_HELPER, rss_path] + list(args)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        result = subprocess.run(wrapped, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env)
        wall = time.perf_counter() - start
    finally:
        for f in (stdin, stdout):
            if f is not subprocess.DEVNULL:
                f.close()
    with open(rss_path, encoding="utf-8") as f:
        rss = f.read().split()
    os.unlink(rss_path)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {result.returncode}: {result.stderr.decode('utf-8', 'replace')}")
    return wall, int(rss[-1]) / 1024.0


def spread(times):
    return f"{min(times):.3f}-{max(times):.3f}"


def best_of_threads(measure, repeats, log, what):
    """measure(threads) -> seconds. Every repeat tries 1 and 2 threads; returns (median of the faster
    setting, its thread count, the spread of its runs)."""
    times = {1: [], 2: []}
    for _ in range(repeats):
        for threads in (1, 2):
            times[threads].append(measure(threads))
    med = {t: statistics.median(v) for t, v in times.items()}
    best = min(med, key=med.get)
    log(f"  {what}: 1 thread {med[1]:.3f} s ({spread(times[1])}), 2 threads {med[2]:.3f} s ({spread(times[2])})")
    return med[best], best, spread(times[best])


# ---- PyTorch ----

def torch_decode(model, lines, beam, batch):
    return list(reference.translate_lines(model, lines, beam=beam, batch_size=batch))


def torch_jsonl(model, results):
    return [reference.jsonl_line(model, i, src, hyps, False) for i, (src, hyps) in enumerate(results)]


def torch_text(model, results):
    out = []
    for i, (src, hyps) in enumerate(results):
        out += reference.text_lines(model, i, src, hyps, 1, False)
    return out


def torch_worker(spec):
    """Runs in a fresh process (bench.py --torch-worker SPEC), so that PyTorch's timings do not depend on what
    this process did before (its heap after writing a 316 MB JSON file slowed PyTorch down several times).
    spec: model, input, mode ("file" or "interactive"), beam, batch, threads, repeats. Prints JSON: the times
    (file: seconds per run; interactive: the median seconds per sentence of each run), and the text and JSONL
    outputs of the last file run."""
    torch.set_num_threads(spec["threads"])
    model = reference.load_model(spec["model"])
    with open(spec["input"], encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    with torch.inference_mode():
        return torch_timed(spec, model, lines)


def torch_capability():
    """torch.backends.cpu.get_cpu_capability() (PyTorch >= 2.0), else the "CPU capability usage" line of
    torch.__config__.show() (1.x): the vector instructions PyTorch's own kernels use."""
    backend = getattr(torch.backends, "cpu", None)
    if backend is not None:
        return backend.get_cpu_capability()
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def torch_timed(spec, model, lines):
    torch_decode(model, lines[:2], spec["beam"], spec["batch"])  # warm-up
    out = {"times": [], "capability": torch_capability()}
    for _ in range(spec["repeats"]):
        if spec["mode"] == "file":
            start = time.perf_counter()
            results = torch_decode(model, lines, spec["beam"], spec["batch"])
            out["times"].append(time.perf_counter() - start)
        else:
            times = []
            for line in lines:
                start = time.perf_counter()
                torch_decode(model, [line], spec["beam"], 1)
                times.append(time.perf_counter() - start)
            out["times"].append(statistics.median(times))
    if spec["mode"] == "file":
        out["text"] = torch_text(model, results)
        out["jsonl"] = torch_jsonl(model, results)
    print(json.dumps(out))
    return 0


# ---- FLOPs ----

def decode_flops(jsonl_lines):
    """Matrix-product FLOPs (2 per multiply-add) of decoding these outputs: per source position the encoder
    (both directions' input and hidden products) and the attention keys; per sentence the bridge; per target
    step (eos included) the query, the additive scores and context over the source, the decoder GRU and the
    output layer."""
    es, he, hd, et, a, k = 256, 256, 512, 256, 512, 512
    do = hd + k + et
    total = 0
    for line in jsonl_lines:
        obj = json.loads(line)
        s = len(obj["source"])
        if not s:
            continue
        steps = len(obj["hypotheses"][0]["tokens"]) + 1
        total += s * (2 * (3 * he * es + 3 * he * he) + a * k) + hd * k
        total += steps * (a * hd + s * (a + k) + 3 * hd * (et + k) + 3 * hd * hd + VT * do)
    return 2.0 * total


BLAS_PROBE = r"""
import ctypes, ctypes.util, json, math, sys, time
import numpy as np
threads, shapes, repeats = int(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
lib = ctypes.CDLL(ctypes.util.find_library("openblas") or "libopenblas.so.0")
lib.openblas_set_num_threads(threads)
p, f = ctypes.c_void_p, ctypes.c_float
out = {}
for m, k, n in shapes:
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    c = np.zeros((m, n), dtype=np.float32)
    best = math.inf
    for _ in range(repeats + 1):  # the first call warms up the threads
        start = time.perf_counter()
        lib.cblas_sgemm(101, 111, 111, m, n, k, f(1.0), p(a.ctypes.data), k, p(b.ctypes.data), n, f(0.0),
                        p(c.ctypes.data), n)
        best = min(best, time.perf_counter() - start)
    out[f"{m}x{k}x{n}"] = 2.0 * m * n * k / best / 1e9
# memory read bandwidth: `threads` Python threads each summing its own share of 256 MB with a one-thread
# sasum (ctypes lets go of the GIL during the call; OpenBLAS runs sasum on one thread at any size)
import threading
lib.cblas_sasum.restype = ctypes.c_float
lib.openblas_set_num_threads(1)
x = np.random.rand(64 << 20).astype(np.float32)  # 256 MB: far past the caches
share = x.size // threads
def part(i):
    lib.cblas_sasum(share, p(x.ctypes.data + 4 * i * share), 1)
best = math.inf
for _ in range(repeats + 1):
    workers = [threading.Thread(target=part, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    best = min(best, time.perf_counter() - start)
out["read GB/s"] = share * threads * 4 / best / 1e9
print(json.dumps(out))
"""


def blas_probe(threads, shapes, repeats=5):
    """OpenBLAS with `threads` threads, in a fresh process without PyTorch (PyTorch's own BLAS threads in this
    process slowed sgemm down by a third): GFLOP/s of sgemm (row-major, float32) for each (m, k, n) in shapes,
    and the memory read bandwidth of sasum over 256 MB (key "read GB/s")."""
    out = subprocess.run([sys.executable, "-c", BLAS_PROBE, str(threads), json.dumps(shapes), str(repeats)],
                         capture_output=True, check=True, text=True,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))).stdout
    return json.loads(out)


def weight_bytes_per_step(stored_bytes):
    """Bytes of weights one greedy decoder step of one sentence reads: the output layer, the decoder GRU and the
    attention's query layer (the embedding is one row), at `stored_bytes` bytes a value."""
    hd, et, a, k = 512, 256, 512, 512
    return stored_bytes * (VT * (hd + k + et) + 3 * hd * (et + k) + 3 * hd * hd + a * hd)


# ---- the run ----

def machine():
    """The CPU's name, its cores and vector extensions, as /proc/cpuinfo tells them."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{name}, {os.cpu_count()} cores, {vector}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--torch-worker"]:
        return torch_worker(json.loads(argv[1]))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3,
                   help="timed runs per measure; medians and spread are over these (default 3)")
    p.add_argument("--lines", type=int, default=400, help="lines of the greedy file (default 400)")
    p.add_argument("--beam-lines", type=int, default=40, help="lines decoded with beam 5 (default 40)")
    p.add_argument("--interactive-lines", type=int, default=40,
                   help="lines sent one at a time through a pipe for the per-sentence latency (default 40)")
    p.add_argument("--beam-f16", action="store_true", help="also time beam 5 on the f16 model")
    p.add_argument("--batch-size", type=int, default=256, help="rnnsearch --batch-size for the file (default 256)")
    p.add_argument("--workdir", default=None, help="keep the files here (default: a temporary directory)")
    p.add_argument("--markdown", default=None, help="also write the results table to this file")
    p.add_argument("--reuse", action="store_true", help="use the model files already in --workdir")
    args = p.parse_args(argv)
    if not os.access(BINARY, os.X_OK):
        sys.exit("bench.py: ./rnnsearch is not built (run make)")
    workdir = args.workdir or tempfile.mkdtemp(prefix="rnnsearch-bench-")
    os.makedirs(workdir, exist_ok=True)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    log(f"bench: files in {workdir}")
    if args.reuse:
        paths = {key: os.path.join(workdir, f"tutorial3.{key}.json") for key in ("f32", "f16", "numbers")}
        params = sum(p.numel() for p in build_model().parameters())
    else:
        paths, params = write_models(workdir, log)
    source = os.path.join(workdir, "input.txt")
    write_input(source, args.lines)
    with open(source, encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    beam_source = os.path.join(workdir, "input.beam.txt")
    with open(beam_source, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:args.beam_lines]) + "\n")
    interactive_source = os.path.join(workdir, "input.interactive.txt")
    with open(interactive_source, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:args.interactive_lines]) + "\n")
    weights_mb = params * 4 / 1e6
    rows = []  # (measure, rnnsearch, pytorch or baseline, ratio, target, holds)

    def row(measure, ours, theirs, ratio, target, holds):
        rows.append((measure, ours, theirs, ratio, target, "yes" if holds else "NO"))

    problems = []
    differ = {}
    torch_peak = {}  # model key -> PyTorch's max RSS decoding the greedy file
    speed = {}  # model key -> (rnnsearch file seconds, threads, jsonl lines)
    peak_rss = {}  # model key -> max RSS of each greedy file run

    capability = set()

    def torch_runs(key, mode, input_path, beam, batches, thread_settings=None):
        """PyTorch in fresh processes at every setting: batch sizes `batches`, torch threads 1 and 2, OpenBLAS
        threads 1 and 2 (Debian's PyTorch calls OpenBLAS, whose threads it does not set), or only the
        (torch threads, OpenBLAS threads) pairs of thread_settings. Returns (median seconds of the fastest, its
        setting, the worker's output, its max RSS in MB, the spread of its runs, its batch, its threads)."""
        best = None
        for batch in batches:
            for threads, blas in thread_settings or ((1, 1), (1, 2), (2, 1), (2, 2)):
                spec = {"model": paths[key], "input": input_path, "mode": mode, "beam": beam, "batch": batch,
                        "threads": threads, "repeats": args.repeats}
                out_path = os.path.join(workdir, "torch.out.json")
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas), OMP_NUM_THREADS=str(threads),
                           MKL_NUM_THREADS=str(threads))
                _, rss = run_child([sys.executable, os.path.abspath(__file__), "--torch-worker", json.dumps(spec)],
                                   stdout_path=out_path, env=env)
                with open(out_path, encoding="utf-8") as f:
                    out = json.load(f)
                capability.add(out["capability"])
                med = statistics.median(out["times"])
                setting = f"batch {batch}, {threads} thr., OpenBLAS {blas}"
                log(f"  PyTorch {mode} {setting}: {med:.3f} s (runs: {', '.join(f'{t:.3f}' for t in out['times'])})"
                    f", max RSS {rss:.0f} MB")
                if best is None or med < best[0]:
                    best = (med, setting, out, rss, spread(out["times"]), batch, (threads, blas))
        return best

    def compare_outputs(what, got_text, want_text, got_jsonl, want_jsonl):
        differ[what] = sum(g != w for g, w in zip(got_text, want_text)) + abs(len(got_text) - len(want_text))
        # scores: sums of up to 60+ float32 log-probabilities, computed in another order
        problems.extend(f"{what}: {p}" for p in compare(want_jsonl, got_jsonl, score_tol=1e-3, attention=False))
        log(f"  lines whose text differs from PyTorch's: {differ[what]}")

    torch_greedy = {}  # model file key -> torch_runs of the greedy file
    latency = {}  # model name -> rnnsearch's median seconds per interactive sentence
    torch_interactive = {}  # model file key -> torch_runs of the interactive sentences

    def decode(key, with_beam, quantize=None):
        """The greedy file, beam 5 (with_beam) and interactive rows for one model file (with --quantize)."""
        path = paths[key]
        extra = ["--quantize", quantize] if quantize else []
        name = f"{key} {quantize}" if quantize else key
        log(f"greedy file ({name})")
        ours_out = os.path.join(workdir, f"rnnsearch.{key}.greedy.txt")

        def ours_greedy(threads):
            wall, rss = run_child([BINARY, "-m", path, "-b", "1", "--batch-size", str(args.batch_size), "-t",
                                   str(threads)] + extra + [source], stdout_path=ours_out)
            peak_rss.setdefault(name, []).append(rss)
            return wall

        t_ours, ours_threads, ours_spread = best_of_threads(ours_greedy, args.repeats, log, "rnnsearch")
        if key not in torch_greedy:
            # PyTorch widens f16 weights: its speed is the f32 model's, so the f16 file gets only the f32 file's
            # fastest setting
            best = torch_greedy.get("f32")
            torch_greedy[key] = torch_runs(key, "file", source, 1, (best[5],) if best else (64, 128),
                                           (best[6],) if best else None)
        t_torch, torch_setting, torch_out, torch_rss, torch_spread = torch_greedy[key][:5]
        torch_peak[key] = torch_rss
        with open(ours_out, encoding="utf-8") as f:
            got = f.read().split("\n")[:-1]
        ours_jsonl = subprocess.run([BINARY, "-m", path, "-b", "1", "--format", "jsonl"] + extra + [source],
                                    capture_output=True, check=True).stdout.decode("utf-8").split("\n")[:-1]
        if quantize:  # other weights: the texts are compared, not the scores
            differ[f"greedy {name} (informative)"] = sum(g != w for g, w in zip(got, torch_out["text"]))
            log(f"  lines whose text differs from PyTorch's f32: {differ[f'greedy {name} (informative)']}")
        else:
            compare_outputs(f"greedy {key}", got, torch_out["text"], ours_jsonl, torch_out["jsonl"])
        lengths = [len(json.loads(x)["hypotheses"][0]["tokens"]) for x in ours_jsonl]
        log(f"  output lengths: median {statistics.median(lengths)}, mean {statistics.mean(lengths):.1f}, "
            f"min {min(lengths)}, max {max(lengths)}")
        speed[name] = (t_ours, ours_threads, ours_jsonl)
        target = 4 if quantize else 2.5
        row(f"greedy, {args.lines}-line file, {name} model (lines/s)",
            f"{args.lines / t_ours:.0f} (-t {ours_threads}; {ours_spread} s)",
            f"{args.lines / t_torch:.0f} ({torch_setting}; {torch_spread} s)", t_torch / t_ours, f">= {target}x",
            t_torch / t_ours >= target)

        if with_beam and not quantize:
            log(f"beam 5 ({key})")
            beam_out = os.path.join(workdir, f"rnnsearch.{key}.beam.txt")

            def ours_beam(threads):
                return run_child([BINARY, "-m", path, "-b", "5", "--batch-size", str(args.batch_size), "-t",
                                  str(threads), beam_source], stdout_path=beam_out)[0]

            b_ours, b_ours_threads, b_spread = best_of_threads(ours_beam, args.repeats, log, "rnnsearch")
            b_torch, b_torch_setting, torch_out, _, b_torch_spread = torch_runs(key, "file", beam_source, 5, (1,))[:5]
            with open(beam_out, encoding="utf-8") as f:
                got = f.read().split("\n")[:-1]
            beam_jsonl = subprocess.run([BINARY, "-m", path, "-b", "5", "--format", "jsonl", beam_source],
                                        capture_output=True, check=True).stdout.decode("utf-8").split("\n")[:-1]
            compare_outputs(f"beam {key}", got, torch_out["text"], beam_jsonl, torch_out["jsonl"])
            n = args.beam_lines
            row(f"beam 5, {n} lines, {key} model (lines/s)", f"{n / b_ours:.1f} (-t {b_ours_threads}; {b_spread} s)",
                f"{n / b_torch:.1f} ({b_torch_setting}; {b_torch_spread} s)", b_torch / b_ours, ">= 6x",
                b_torch / b_ours >= 6)

        log(f"interactive ({key})")
        with open(interactive_source, encoding="utf-8") as f:
            sample = f.read().split("\n")[:-1]

        def ours_latency(threads):
            proc = subprocess.Popen([BINARY, "-m", path, "-b", "1", "-t", str(threads)] + extra,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            times = []
            for line in [sample[0]] + sample:  # the first answer (after the load) is not timed
                start = time.perf_counter()
                proc.stdin.write((line + "\n").encode("utf-8"))
                proc.stdin.flush()
                proc.stdout.readline()
                times.append(time.perf_counter() - start)
            proc.stdin.close()
            proc.wait()
            return statistics.median(times[1:])

        l_ours, l_ours_threads, _ = best_of_threads(ours_latency, args.repeats, log, "rnnsearch")
        latency[name] = l_ours
        if key not in torch_interactive:  # as for the file: f16 only at f32's fastest setting
            best = torch_interactive.get("f32")
            torch_interactive[key] = torch_runs(key, "interactive", interactive_source, 1, (1,),
                                                (best[6],) if best else None)
        l_torch, l_torch_setting = torch_interactive[key][:2]
        target = "(informative)" if quantize else ">= 8x"
        row(f"interactive greedy, per sentence, {name} model (ms)", f"{1000 * l_ours:.2f} (-t {l_ours_threads})",
            f"{1000 * l_torch:.2f} ({l_torch_setting})", l_torch / l_ours, target,
            bool(quantize) or l_torch / l_ours >= 8)

    # The machine's bounds, probed before and after the runs (the best of the two: a VM's speed drifts)
    bound_shapes = [(2048, 2048, 2048), (256, 512 + 512 + 256, VT)]  # the output layer's product, 256 rows
    probe_threads = min(2, os.cpu_count() or 1)
    first_probe = blas_probe(probe_threads, bound_shapes)
    decode("f32", True)
    decode("f16", args.beam_f16)
    decode("f16", False, quantize="int8")
    t_ours, ours_threads, ours_jsonl = speed["f32"]

    # model load
    log("model load")
    load = {}
    for key in ("f32", "f16", "numbers"):
        times, rss = [], []
        for _ in range(args.repeats):
            wall, peak = run_child([BINARY, "-m", paths[key]])
            times.append(wall)
            rss.append(peak)
        load[key] = (statistics.median(times), max(rss))
        log(f"  rnnsearch {key}: {load[key][0]:.3f} s, {load[key][1]:.0f} MB")
    json_times, json_rss = [], []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", "import json, resource, sys, time\n"
                              "t = time.perf_counter()\njson.load(open(sys.argv[1], encoding='utf-8'))\n"
                              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
                              paths["numbers"]], capture_output=True, check=True, text=True).stdout.split()
        json_times.append(float(out[0]))
        json_rss.append(int(out[1]) / 1024.0)
    t_json = statistics.median(json_times)
    log(f"  Python json.load of the number-array file: {t_json:.3f} s, {max(json_rss):.0f} MB")
    f32_mb = os.path.getsize(paths["f32"]) / 1e6
    num_mb = os.path.getsize(paths["numbers"]) / 1e6
    row(f"load, base64 f32 ({f32_mb:.0f} MB) (s)", f"{load['f32'][0]:.3f}", "0.3 (target)",
        0.3 / load["f32"][0], "<= 0.3 s", load["f32"][0] <= 0.3)
    row("load, base64 f16 (s)", f"{load['f16'][0]:.3f}", f"{load['f32'][0]:.3f} (f32)",
        load["f32"][0] / load["f16"][0], "faster than f32", load["f16"][0] < load["f32"][0])
    row(f"load, number arrays ({num_mb:.0f} MB) (s)", f"{load['numbers'][0]:.3f}", f"{t_json:.3f} (json.load)",
        t_json / load["numbers"][0], ">= 2x", t_json / load["numbers"][0] >= 2)
    row("load, number arrays: max RSS (MB)", f"{load['numbers'][1]:.0f}", f"{max(json_rss):.0f} (json.load)",
        max(json_rss) / load["numbers"][1], "< 1000 MB", load["numbers"][1] < 1000)

    # memory
    for key, stored_mb in (("f32", weights_mb), ("f16", weights_mb / 2)):
        peak = max(peak_rss[key])
        row(f"max RSS, greedy file, {key} model (MB)", f"{peak:.0f}", f"{stored_mb:.0f} ({key} weights)",
            peak / stored_mb, "<= 1.3x + 8 MB", peak <= 1.3 * stored_mb + 8)
        row(f"max RSS, greedy file, {key} model, vs PyTorch (MB)", f"{peak:.0f}", f"{torch_peak[key]:.0f} (PyTorch)",
            torch_peak[key] / peak, "-", True)

    # GFLOP/s
    flops = decode_flops(ours_jsonl)
    achieved = flops / t_ours / 1e9
    shape = bound_shapes[1]
    probe = blas_probe(ours_threads, bound_shapes)
    if ours_threads == probe_threads:
        probe = {k: max(v, first_probe[k]) for k, v in probe.items()}
    peak_blas = probe["2048x2048x2048"]
    log(f"OpenBLAS, {ours_threads} threads (the better of two probes): sgemm 2048^3 {peak_blas:.1f} GFLOP/s, "
        f"{'x'.join(map(str, shape))} {probe['x'.join(map(str, shape))]:.1f} GFLOP/s; "
        f"memory read (sasum, 256 MB) {probe['read GB/s']:.1f} GB/s")
    row(f"greedy file GFLOP/s (whole process, f32, -t {ours_threads})", f"{achieved:.1f}",
        f"{peak_blas:.1f} (sgemm 2048^3, {ours_threads} thr.)", achieved / peak_blas, ">= 0.8x",
        achieved / peak_blas >= 0.8)
    t_torch_greedy = torch_greedy["f32"][0]
    row("greedy file: PyTorch's time, FLOPs at OpenBLAS's peak (s)",
        f"{t_ours:.3f} (rnnsearch)", f"{flops / peak_blas / 1e9:.3f} (FLOPs / sgemm peak)",
        t_torch_greedy / (flops / peak_blas / 1e9), "(the most any engine could gain on PyTorch)", True)
    bandwidth = probe["read GB/s"]
    # decoder steps (eos included) of the median interactive sentence
    latency_steps = statistics.median(len(json.loads(x)["hypotheses"][0]["tokens"]) + 1
                                      for x in ours_jsonl[:args.interactive_lines])
    for key, value_bytes in (("f32", 4), ("f16", 2), ("f16 int8", 1)):
        if key not in latency:
            continue
        floor = weight_bytes_per_step(value_bytes) * latency_steps / (bandwidth * 1e9)
        row(f"interactive, {key}: the weights read at memory speed (ms)", f"{1000 * latency[key]:.2f} (measured)",
            f"{1000 * floor:.2f} ({latency_steps:.0f} steps x {weight_bytes_per_step(value_bytes) / 1e6:.1f} MB"
            f" / {bandwidth:.1f} GB/s)", floor / latency[key], "(the floor: no engine is faster)", True)

    # report
    kernels = subprocess.run([BINARY, "-V"], capture_output=True, text=True).stdout.split("\n")[1]
    features = (f"CPU features used: rnnsearch {kernels}; PyTorch {torch.__version__} "
                f"get_cpu_capability: {', '.join(sorted(capability))}")
    print(f"rnnsearch vs PyTorch {torch.__version__} eager on {machine()}; model {params / 1e6:.1f}M parameters "
          f"(tutorial 3 sizes); medians of {args.repeats} runs (spread in brackets)\n{features}")
    header = ["measure", "rnnsearch", "PyTorch / baseline", "ratio", "target", "holds"]
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for measure, ours, theirs, ratio, target, holds in rows:
        table.append(f"| {measure} | {ours} | {theirs} | {ratio:.2f}x | {target} | {holds} |")
    print("\n".join(table))
    differing = {k: v for k, v in differ.items() if v and "informative" not in k}
    agree = "outputs agree" if not problems and not differing else \
        f"OUTPUTS DIFFER: lines {differing}; {problems[:5]}"
    print(agree)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(f"Machine: {machine()}. {features}.\n\n" + "\n".join(table) + "\n\n" + agree + "\n")
    return 0 if agree == "outputs agree" else 1


if __name__ == "__main__":
    sys.exit(main())
