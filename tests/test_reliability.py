"""Reliability: output files never destroy inputs and are written atomically (src/cli/outfile.h), inputs are opened
before anything runs, signals end a run on a record boundary, non-blocking descriptors are waited for, models
that change while they load give a clean error, several processes agree. Runs ./rnnsearch (or RNNSEARCH_BIN,
under RNNSEARCH_TEST_WRAPPER: tests/clitools.py)."""
import fcntl
import glob
import itertools
import json
import os
import random
import signal
import shlex
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import clitools
import tinymodel

SOURCE = b"ein hund\nkatze\nein katze hund\n"


@unittest.skipUnless(os.access(clitools.BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class ReliabilityCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.model = tinymodel.temporary("rnnsearch-rel-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def run_cli(self, args, stdin=b"", cwd=None):
        # --quiet: the tiny model's translations run to the length limit, and that warning is not the subject
        return clitools.run(["-m", self.model, "--quiet"] + list(args), stdin, cwd=cwd)

    def shell(self, script):
        command = shlex.join(clitools.wrapper() + [clitools.BINARY])
        env = clitools.child_env(RNNSEARCH=command + " --quiet", MODEL=self.model)
        return subprocess.run(["bash", "-c", script], capture_output=True, env=env, cwd=self.dir,
                              timeout=clitools.timeout())

    def assertOneErrorLine(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result)
        text = result.stderr.decode("utf-8")
        self.assertTrue(text.startswith("rnnsearch: ") and text.count("\n") == 1, text)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def run_measured(self, args, stdin=b""):
        """Runs rnnsearch with args; returns the CompletedProcess and its peak resident memory in KiB, measured
        by GNU time (a child forked from Python would count Python's memory too), or None without it."""
        report = self.path(".rss")
        time_tool = ["/usr/bin/time", "-f", "%M", "-o", report] if os.access("/usr/bin/time", os.X_OK) else []
        result = subprocess.run(time_tool + clitools.wrapper() + [clitools.BINARY] + args, input=stdin,
                                capture_output=True, env=clitools.child_env(), timeout=clitools.timeout())
        if not time_tool or clitools.wrapper() or os.environ.get("RNNSEARCH_BIN"):
            return result, None  # another build (ASan) has memory figures of its own
        with open(report) as f:
            lines = f.read().split()
        os.unlink(report)
        return result, int(lines[-1])

    def assertNoTemporaryFiles(self):
        self.assertEqual(glob.glob(os.path.join(self.dir, ".*.??????")), [])


class OutputIsNotAnInputTest(ReliabilityCase):
    def test_outputs_that_are_inputs_are_refused(self):
        source = self.write("same.de", SOURCE)
        for option in (["--align-csv", source], ["--heatmap", source], ["-o", source], ["--output", source]):
            with self.subTest(option=option):
                result = self.run_cli(["-b", "1"] + option + [source])
                self.assertOneErrorLine(result, "same.de is an input", "refusing")
                self.assertEqual(result.stdout, b"")
                self.assertEqual(self.read(source), SOURCE)
        self.assertNoTemporaryFiles()

    def test_a_link_to_an_input_is_the_input(self):
        source = self.write("real.de", SOURCE)
        os.symlink(source, self.path("link.de"))
        os.link(source, self.path("hard.de"))
        for name in ("link.de", "hard.de"):
            with self.subTest(name=name):
                result = self.run_cli(["-b", "1", "-o", self.path(name), source])
                self.assertOneErrorLine(result, "is an input")
        self.assertEqual(self.read(source), SOURCE)

    def test_outputs_that_are_the_model_are_refused(self):
        model = self.path("mm.json")
        shutil.copy(self.model, model)
        before = self.read(model)
        source = self.write("in.de", SOURCE)
        for option in (["--align-csv", model], ["--heatmap", model], ["-o", model]):
            with self.subTest(option=option):
                result = clitools.run(["-m", model, "-b", "1"] + option + [source])
                self.assertOneErrorLine(result, "mm.json is the model")
                self.assertEqual(self.read(model), before)

    def test_standard_output_appended_to_an_input_is_refused(self):
        self.write("f", SOURCE)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 f >> f')
        self.assertOneErrorLine(result, "standard output is an input (f)")
        self.assertEqual(self.read(self.path("f")), SOURCE)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 < f >> f')
        self.assertOneErrorLine(result, "standard output is an input (standard input)")
        self.assertEqual(self.read(self.path("f")), SOURCE)

    def test_closed_standard_descriptors_are_not_taken_by_files(self):
        """With standard output closed, the first file opened would get descriptor 1 and pass for it (`f` was
        refused as `standard output is an input`); /dev/null holds the number instead."""
        self.write("f", SOURCE)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 -o out.txt f >&- <&-')
        self.assertEqual((result.returncode, result.stderr), (0, b""), result)
        self.assertEqual(len(self.read(self.path("out.txt")).splitlines()), 3)
        result = self.shell('$RNNSEARCH -m "$MODEL" -b 1 f >&-')
        self.assertOneErrorLine(result, "write error on standard output: Bad file descriptor")

    def test_two_outputs_to_one_file_are_refused(self):
        source = self.write("in.de", SOURCE)
        result = self.run_cli(["-b", "1", "-o", self.path("x"), "--align-csv", self.path("x"), source])
        self.assertOneErrorLine(result, "given as two outputs")
        self.assertFalse(os.path.exists(self.path("x")))
        self.assertNoTemporaryFiles()


class AtomicOutputTest(ReliabilityCase):
    def test_output_option_writes_what_standard_output_gets(self):
        source = self.write("in.de", SOURCE)
        expected = self.run_cli(["-b", "1", source]).stdout
        self.assertEqual(len(expected.splitlines()), 3)
        for option in ("-o", "--output"):
            with self.subTest(option=option):
                result = self.run_cli(["-b", "1", option, self.path("out.txt"), source])
                self.assertEqual((result.returncode, result.stdout,
                                  clitools.without_length_limit_warning(result.stderr)), (0, b"", b""))
                self.assertEqual(self.read(self.path("out.txt")), expected)
        result = self.run_cli(["-b", "1", "-o", "-", source])
        self.assertEqual(result.stdout, expected)
        # -o with --align-csv -: the translations to the file, the CSV to standard output
        result = self.run_cli(["-b", "1", "-o", self.path("t.txt"), "--align-csv", "-", source])
        self.assertEqual(result.returncode, 0, result)
        self.assertTrue(result.stdout.startswith(b"id,hypothesis,"))
        self.assertEqual(self.read(self.path("t.txt")), expected)
        self.assertNoTemporaryFiles()

    def test_empty_output_name_is_a_usage_error(self):
        result = self.run_cli(["-o", ""])
        self.assertOneErrorLine(result, "--output: expected a file name")

    def test_failed_runs_leave_the_old_files(self):
        keep = {name: self.write(name, b"old " + name.encode() + b"\n") for name in ("k.csv", "k.txt", "k.svg")}
        source = self.write("in.de", SOURCE)
        outputs = ["--align-csv", keep["k.csv"], "-o", keep["k.txt"], "--heatmap", keep["k.svg"]]
        runs = [
            # the model fails to load: nothing is created or touched
            clitools.run(["-m", self.path("nonexistent.json"), "-b", "1"] + outputs + [source]),
            # a missing input after a good one: found before anything runs
            self.run_cli(["-b", "1"] + outputs + [source, self.path("missing")]),
            # a failure in the middle of the run (the third line of a --forced input has no tab)
            self.run_cli(["-b", "1", "--forced"] + outputs, b"ein\ta\nhund\tdog\nkatze\n"),
        ]
        for result in runs:
            with self.subTest(stderr=result.stderr):
                self.assertEqual(result.returncode, 2, result)
                for name, path in keep.items():
                    self.assertEqual(self.read(path), b"old " + name.encode() + b"\n")
        self.assertNoTemporaryFiles()

    def test_existing_outputs_keep_their_mode_and_links(self):
        source = self.write("in.de", SOURCE)
        target = self.write("target.txt", b"old\n")
        os.chmod(target, 0o640)
        os.symlink("target.txt", self.path("link.txt"))
        result = self.run_cli(["-b", "1", "-o", self.path("link.txt"), source])
        self.assertEqual(result.returncode, 0, result)
        self.assertTrue(os.path.islink(self.path("link.txt")))
        self.assertEqual(len(self.read(target).splitlines()), 3)
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o640)
        # a new file gets 0666 less the umask, as fopen gives
        result = self.shell(f'umask 027; $RNNSEARCH -m "$MODEL" -b 1 -o new.txt {shlex.quote(source)}')
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(stat.S_IMODE(os.stat(self.path("new.txt")).st_mode), 0o640)

    def test_devices_are_written_in_place(self):
        source = self.write("in.de", SOURCE)
        result = self.run_cli(["-b", "1", "-o", "/dev/null", "--align-csv", "/dev/null", source])
        self.assertEqual((result.returncode, clitools.without_length_limit_warning(result.stderr)), (0, b""), result)
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_a_write_that_fails_leaves_no_partial_file(self):
        """A file size limit (EFBIG, as a full disk gives ENOSPC) on a per-line heatmap and on -o: one error
        line, the old file intact, no temporary file, no 0-byte SVG."""
        self.write("in.de", SOURCE)
        self.write("h0.svg", b"old\n")
        self.write("o.txt", b"old\n")
        for option in ("--heatmap 'h{id}.svg'", "-o o.txt --heatmap h1.svg"):
            with self.subTest(option=option):
                big = "for i in $(seq 400); do echo ein hund katze; done > big.de; "
                result = self.shell(big + f"trap '' XFSZ; ulimit -f 4; $RNNSEARCH -m \"$MODEL\" -b 1 {option} big.de"
                                    " > /dev/null")
                self.assertOneErrorLine(result, "File too large")
                self.assertEqual(self.read(self.path("h0.svg")), b"old\n")
                self.assertEqual(self.read(self.path("o.txt")), b"old\n")
                self.assertFalse(os.path.exists(self.path("h1.svg")))
                self.assertNoTemporaryFiles()


def many_lines(count, seed=1):
    rng = random.Random(seed)
    words = ["ein", "hund", "katze"]
    return "".join(" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) + "\n"
                   for _ in range(count)).encode()


def default_stop_signals():
    """tests/run.sh runs suites as background jobs of a non-interactive shell, which start with SIGINT ignored;
    rnnsearch rightly keeps an inherited ignored signal ignored (src/cli/signals.c), so the child gets the
    default disposition back before it starts."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


class SignalTest(ReliabilityCase):
    """SIGINT, SIGTERM, SIGHUP at random points: output ends on a record boundary, output files keep their old
    contents, exit 128 + n (src/cli/signals.h)."""

    def start(self, args, stdin=subprocess.DEVNULL):
        return subprocess.Popen(clitools.wrapper() + [clitools.BINARY, "-m", self.model, "--quiet"] + args, stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clitools.child_env(),
                                preexec_fn=default_stop_signals)

    def test_killed_runs_end_on_a_record_boundary(self):
        source = self.write("in.de", many_lines(3000))
        rng = random.Random(13)
        kinds = [(["--format", "jsonl", "-a"], b"\n"), (["-a"], b"\n\n"), (["-n", "2"], b"\n")]
        killed = 0
        for attempt in range(9):
            sig = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[attempt % 3]
            args, end = kinds[attempt % len(kinds)]
            csv = self.write("old.csv", b"old\n")
            with self.subTest(attempt=attempt, signal=sig, args=args):
                process = self.start(args + ["--align-csv", csv, source])
                time.sleep(rng.uniform(0.05, 0.6))
                process.send_signal(sig)
                out, err = process.communicate(timeout=clitools.timeout())
                if process.returncode == 0:
                    continue  # finished before the signal
                killed += 1
                self.assertEqual((process.returncode, err), (128 + sig, b""))
                self.assertTrue(out == b"" or out.endswith(end), out[-300:])
                if "jsonl" in args:
                    for line in out.splitlines():
                        json.loads(line)
                self.assertEqual(self.read(csv), b"old\n")
                self.assertNoTemporaryFiles()
        self.assertGreater(killed, 0)

    def test_signal_while_waiting_for_input(self):
        process = self.start(["-b", "1"], stdin=subprocess.PIPE)
        self.addCleanup(process.stdout.close)
        process.stdin.write(b"ein hund\n")
        process.stdin.flush()
        first = process.stdout.readline()
        self.assertTrue(first.endswith(b"\n"))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=clitools.timeout())
        self.assertEqual((process.returncode, out, err), (130, b"", b""))


class NonBlockingTest(ReliabilityCase):
    """Descriptors set O_NONBLOCK by whoever started rnnsearch (a coprocess set-up) are waited for with poll."""

    def test_non_blocking_standard_input(self):
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        process = subprocess.Popen(clitools.wrapper() + [clitools.BINARY, "-m", self.model, "--quiet", "-b", "1"],
                                   stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=clitools.child_env())
        os.close(read_end)
        for line in (b"ein\n", b"hund\n", b"katze\n"):
            os.write(write_end, line)
            time.sleep(0.1)
        os.close(write_end)
        out, err = process.communicate(timeout=clitools.timeout())
        self.assertEqual((process.returncode, clitools.without_length_limit_warning(err)), (0, b""))
        self.assertEqual(len(out.splitlines()), 3)

    def test_non_blocking_standard_output(self):
        source = self.write("in.de", many_lines(2000))
        expected = self.run_cli(["-b", "1", "--format", "jsonl", source]).stdout
        self.assertGreater(len(expected), 200000)  # more than a pipe holds
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        process = subprocess.Popen(clitools.wrapper() + [clitools.BINARY, "-m", self.model, "--quiet", "-b", "1", "--format",
                                                         "jsonl", source],
                                   stdout=write_end, stderr=subprocess.PIPE, env=clitools.child_env())
        os.close(write_end)
        time.sleep(0.3)  # the pipe fills up
        chunks = []
        with os.fdopen(read_end, "rb") as reader:
            while chunk := reader.read(65536):
                chunks.append(chunk)
        process.wait(timeout=clitools.timeout())
        self.assertEqual((process.returncode, clitools.without_length_limit_warning(process.stderr.read())), (0, b""))
        self.assertEqual(b"".join(chunks), expected)


# rnnsearch 1.0's FNV-1a started from 1469598103934665603 (FNV's offset basis less its last digit)
FNV_START = 1469598103934665603


def fnv1a(data):
    h = FNV_START
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def fnv_colliding_words(blocks, bits):
    """2**blocks distinct words whose 64-bit FNV-1a hashes agree in the low `bits` bits (the hash and table of
    rnnsearch 1.0's vocabulary): the low bits of FNV-1a's state depend only on the low bits, so three-letter
    blocks that collide from the same state chain into 2**blocks collisions."""
    mask = (1 << bits) - 1
    letters = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    state = FNV_START & mask
    pairs = []
    for _ in range(blocks):
        seen = {}
        for block in itertools.product(letters, repeat=3):
            h = state
            for byte in block:
                h = ((h ^ byte) * 0x100000001b3) & mask
            if h in seen:
                pairs.append((seen[h], bytes(block)))
                state = h
                break
            seen[h] = bytes(block)
    words = [b""]
    for first, second in pairs:
        words = [w + first for w in words] + [w + second for w in words]
    return [w.decode() for w in words]


class LoaderTest(ReliabilityCase):
    def test_colliding_vocabulary_loads_as_fast_as_an_ordinary_one(self):
        """65536 source words whose FNV-1a hashes collide in the table's bits took 18.6 s to load against 0.10 s
        for ordinary words (issue 13); the hash is now keyed at random (src/engine/siphash.h)."""
        words = fnv_colliding_words(15, 17)  # 32768 words; the table has 2**17 slots for them
        self.assertEqual(len({fnv1a(w.encode()) & ((1 << 17) - 1) for w in words}), 1)
        ordinary = [f"w{i:044d}" for i in range(len(words))]  # same count and length
        timings = {}
        for name, vocabulary in (("ordinary", ordinary), ("colliding", words)):
            path = self.path(name + ".json")
            tinymodel.write(path, tinymodel.build(src_words=vocabulary, tgt_words=["a"]))
            best = None
            for _ in range(2):
                start = time.monotonic()
                result = clitools.run(["-m", path, "-b", "1"], (words[5] + "\n").encode())
                elapsed = time.monotonic() - start
                self.assertEqual(result.returncode, 0, result)
                best = elapsed if best is None else min(best, elapsed)
            timings[name] = best
        self.assertLess(timings["colliding"], 3 * timings["ordinary"] + 0.5, timings)

    def test_float32_max_as_numpy_writes_it(self):
        """3.4028235e38 (numpy's repr of FLT_MAX) rounds to FLT_MAX: accepted; a number that rounds to infinity
        is not (tests/unit/test_loader.c checks both load paths)."""
        text = tinymodel.dumps(tinymodel.build(src_words=["ein"], tgt_words=["a"], form="flat"))
        weight = '"output.bias": {"shape": [4], "data": ['
        self.assertIn(weight, text)
        for value, ok in (("3.4028235e38", True), ("-3.4028235e+38", True), ("3.4028235677973366e38", False),
                          ("3.4028236e38", False)):
            with self.subTest(value=value):
                start = text.index(weight) + len(weight)
                changed = text[:start] + value + text[text.index(",", start):]
                path = self.write("max.json", changed.encode())
                result = clitools.run(["-m", path, "--quiet", "-b", "1"], b"ein\n")
                if ok:
                    stderr = clitools.without_length_limit_warning(result.stderr)
                    self.assertEqual((result.returncode, stderr), (0, b""), result)
                else:
                    self.assertOneErrorLine(result, "output.bias", "not a finite float32 value")

    def test_sparse_tail_costs_no_memory(self):
        """A valid model followed by a 1 GB hole: the right error at once, in memory bounded by what is parsed
        (a 3 GB tail took 6.3 GB)."""
        path = self.path("sparse.json")
        shutil.copy(self.model, path)
        os.truncate(path, 1 << 30)
        result, max_rss = self.run_measured(["-m", path, "-b", "1"])
        self.assertOneErrorLine(result, "a NUL character", "not a JSON text file")
        if max_rss:
            self.assertLess(max_rss, 100 * 1024)  # KiB

    def test_structural_errors_cost_no_second_parse(self):
        """A bad shape at the end of a model with a big vocabulary is reported from the first (fast) parse: in
        the memory of a good load, not the cJSON-only reload's (9.5 s and 306 MB against 2.2 s and 50 MB for a
        200,000-word model)."""
        config = tinymodel.default_config()
        config["encoder"]["embedding_dim"] = 16
        doc = tinymodel.build(config=config, src_words=[f"w{i}" for i in range(20000)], tgt_words=["a"],
                              form="flat")
        good = self.path("good.json")
        tinymodel.write(good, doc)
        doc["tensors"]["output.bias"]["shape"] = [5]
        bad = self.path("bad.json")
        tinymodel.write(bad, doc)
        good_result, good_rss = self.run_measured(["-m", good, "-b", "1"], b"w1\n")
        self.assertEqual(good_result.returncode, 0, good_result)
        bad_result, bad_rss = self.run_measured(["-m", bad, "-b", "1"], b"w1\n")
        self.assertOneErrorLine(bad_result, "tensor output.bias: shape [5] but config needs [4]")
        if good_rss:
            self.assertLess(bad_rss, 1.2 * good_rss, (bad_rss, good_rss))

    def test_model_rewritten_while_it_loads(self):
        """`cp` over a model in use, or a model cut short, while rnnsearch loads it: each run translates with
        one version of the file or gives one clean error line, never a signal (SIGBUS with a file mapping)."""
        big = os.path.join(clitools.ROOT, "models", "deu-eng.json")
        if not os.path.exists(big):
            self.skipTest("models/deu-eng.json is not there")
        path = self.path("m.json")
        shutil.copy(big, path)
        size = os.path.getsize(path)
        stop = threading.Event()

        def rewrite():
            while not stop.is_set():
                shutil.copyfile(big, path)
                os.truncate(path, size // 3)
                time.sleep(0.002)

        writer = threading.Thread(target=rewrite)
        writer.start()
        try:
            for _ in range(12):
                result = clitools.run(["-m", path, "-b", "1"], b"Ein Hund.\n")
                self.assertGreaterEqual(result.returncode, 0, result)  # no signal
                if result.returncode == 0:
                    self.assertEqual(result.stdout, b"A dog.\n")
                else:
                    self.assertOneErrorLine(result, "m.json")
        finally:
            stop.set()
            writer.join()


class PolicyTest(ReliabilityCase):
    """The questionable cases of issue 13, settled (README, Reliability)."""

    def test_one_byte_order_mark_in_a_model(self):
        with open(self.model, "rb") as f:
            text = f.read()
        one = self.write("bom1.json", b"\xef\xbb\xbf" + text)
        two = self.write("bom2.json", b"\xef\xbb\xbf\xef\xbb\xbf" + text)
        self.assertEqual(clitools.run(["-m", one, "-b", "1"], b"ein\n").returncode, 0)
        self.assertOneErrorLine(clitools.run(["-m", two, "-b", "1"], b"ein\n"), "a second byte order mark")

    def test_subnormal_option_values_are_numbers(self):
        for args in (["--length-penalty", "1e-320"], ["--max-length-factor", "4.9e-324"]):
            with self.subTest(args=args):
                result = self.run_cli(["-b", "1"] + args, b"ein\n")
                self.assertEqual((result.returncode, result.stderr), (0, b""), result)
        # what underflows to zero is zero, and infinity is no number
        self.assertOneErrorLine(self.run_cli(["--max-length-factor", "1e-400"]), "expected a positive number")
        self.assertOneErrorLine(self.run_cli(["--length-penalty", "1e999"]), "expected a non-negative number")

    def test_forced_targets_are_held_to_the_token_limit(self):
        line = b"ein\t" + b"a " * 200000 + b"\n"
        result = clitools.run(["-m", self.model, "-b", "1", "--forced", "--max-source-tokens", "50"], line)
        self.assertEqual(result.returncode, 0, result)
        self.assertRegex(result.stdout, rb"^(a ){50}\|\|\| -?[0-9]+\.[0-9]{6}\n$")  # TARGET ||| SCORE
        self.assertEqual(result.stderr, b"rnnsearch: warning: standard input:1: target of 200000 tokens, only the "
                                        b"first 50 are decoded (--max-source-tokens)\n")

    def test_threads_are_capped(self):
        """-t 100000 took 302 MB for its threads' stacks; more than 256 count as 256 (tests/unit/test_cli.c)."""
        result, max_rss = self.run_measured(["-m", self.model, "--quiet", "-b", "1", "-t", "100000"], b"ein\n")
        self.assertEqual((result.returncode, result.stderr), (0, b""), result)
        if max_rss:
            self.assertLess(max_rss, 100 * 1024)


class ConcurrentRunsTest(ReliabilityCase):
    def test_processes_on_the_same_model_and_input_agree(self):
        source = self.write("in.de", many_lines(300, seed=5))
        command = [clitools.BINARY, "-m", self.model, "--quiet", "--format", "jsonl", "-a", source]
        processes = [subprocess.Popen(clitools.wrapper() + command + (["-t", "2"] if i % 2 else []),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clitools.child_env())
                     for i in range(6)]
        outputs = [p.communicate(timeout=clitools.timeout()) for p in processes]
        for process, (out, err) in zip(processes, outputs):
            self.assertEqual((process.returncode, clitools.without_length_limit_warning(err)), (0, b""))
            self.assertEqual(out, outputs[0][0])
        self.assertEqual(len(outputs[0][0].splitlines()), 300)


if __name__ == "__main__":
    unittest.main()
