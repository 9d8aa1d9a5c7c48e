"""Hostile and broken model files: every way a v1 file can be wrong must end with exit status 2, nothing on
standard output and exactly one line `rnnsearch: FILE: what is wrong and where` (the JSON path or the tensor
name) on standard error, without a crash, a hang or a large allocation. Valid but unusual files must load.
Runs ./rnnsearch (or RNNSEARCH_BIN, under RNNSEARCH_TEST_WRAPPER: tests/clitools.py)."""
import copy
import json
import os
import random
import re
import tempfile
import unittest

import clitools
import tinymodel

INPUT = "ein hund\nkatze ein\n"
# Under valgrind (RNNSEARCH_TEST_WRAPPER) every run costs a second or more: the long tables of similar cases
# are sampled there (every 4th, the last included); ASan and the plain build run them all.
SAMPLE = 4 if clitools.wrapper() else 1


def sample(cases):
    cases = list(cases)
    return cases if SAMPLE == 1 else cases[::SAMPLE] + cases[-1:]


def doc():
    return tinymodel.build()


def tensor(d, name):
    return d["tensors"][name]


@unittest.skipUnless(os.access(clitools.BINARY, os.X_OK), "./rnnsearch is not built (run `make`)")
class HostileTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="rnnsearch-hostile-")
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name=None):
        type(self).counter += 1
        return os.path.join(self.tmp.name, name or f"model{self.counter}.json")

    def write(self, content, name=None):
        """content: a document (dict), JSON text (str) or bytes."""
        path = self.path(name)
        tinymodel.write(path, content)
        return path

    def assertRejected(self, content, *fragments, args=("-b", "1"), path=None):
        """The file (content written to a new file, or the given path) is refused with one line naming it and
        holding each fragment; returns the message."""
        path = path or self.write(content)
        argv = ["-m", path] + list(args)
        result = clitools.run(argv, INPUT)
        what = clitools.describe(argv, result)
        self.assertEqual(result.returncode, 2, what)
        self.assertEqual(result.stdout, b"", what)
        stderr = result.stderr.decode("utf-8")  # valid UTF-8, whatever the file held
        self.assertTrue(stderr.endswith("\n") and stderr.count("\n") == 1, what)
        self.assertNotRegex(stderr[:-1], r"[\x00-\x1f\x7f\x85\u2028\u2029]", what)
        prefix = f"rnnsearch: {path}: "
        self.assertTrue(stderr.startswith(prefix), f"{what}\nexpected the prefix {prefix!r}")
        self.assertGreater(len(stderr), len(prefix) + 5, what)
        for fragment in fragments:
            self.assertIn(fragment, stderr, what)
        return stderr

    def assertLoads(self, content, args=("-b", "1")):
        """The file loads and translates INPUT: one line per input line. Returns stdout as text."""
        path = self.write(content)
        argv = ["-m", path] + list(args)
        result = clitools.run(argv, INPUT)
        what = clitools.describe(argv, result)
        self.assertEqual(result.returncode, 0, what)
        self.assertEqual(clitools.without_length_limit_warning(result.stderr), b"", what)
        out = result.stdout.decode("utf-8")
        self.assertEqual(out.count("\n"), INPUT.count("\n"), what)
        return out


class FileTest(HostileTestCase):
    """Files that are not model files at all."""

    def test_missing_file(self):
        self.assertRejected(None, "cannot open model", "No such file or directory",
                            path=os.path.join(self.tmp.name, "no-such-model.json"))

    def test_directory(self):
        path = self.path("a-directory.json")
        os.mkdir(path)
        self.assertRejected(None, "Is a directory", path=path)

    def test_empty_and_blank_files(self):
        for content in (b"", b"   \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"):
            with self.subTest(content=content):
                self.assertRejected(content, "empty file")

    def test_dev_null(self):
        self.assertRejected(None, "empty file", path="/dev/null")

    def test_endless_devices_fail_at_once(self):
        # Without the stop at the first NUL byte these would fill the memory.
        self.assertRejected(None, "NUL character at line 1, column 1", path="/dev/zero")
        self.assertRejected(None, path="/dev/urandom")

    def test_truncated_files(self):
        text = tinymodel.dumps(doc()).encode()
        for cut in sample((1, 2, 10, 100, len(text) // 3, len(text) // 2, len(text) - 2, len(text) - 1)):
            with self.subTest(cut=cut):
                self.assertRejected(text[:cut], "invalid JSON at line 1, column")

    def test_random_bytes(self):
        rng = random.Random(5)
        for size in (1, 7, 64, 1000, 100000):
            data = bytes(rng.randrange(256) for _ in range(size))
            with self.subTest(size=size):
                self.assertRejected(data)
        for size in (5, 300):  # random printable text
            data = "".join(rng.choice("{}[]\":,0123456789abc \n\\") for _ in range(size)).encode()
            with self.subTest(text=data):
                self.assertRejected(data)

    def test_not_json_text(self):
        self.assertRejected(b"\x89PNG\r\n\x1a\n\x00\x00", "NUL character")
        self.assertRejected("format: rnnsearch-model\n", "invalid JSON at line 1, column 1")
        # UTF-16 is not UTF-8
        self.assertRejected(tinymodel.dumps(doc()).encode("utf-16"))

    def test_top_level_not_an_object(self):
        for text in sample(("[]", "[{}]", "1", "\"model\"", "null", "true")):
            with self.subTest(text=text):
                self.assertRejected(text, "not a model file")

    def test_trailing_content(self):
        text = tinymodel.dumps(doc())
        self.assertRejected(text + " x", "invalid JSON at line 1")
        self.assertRejected(text + text, "invalid JSON at line 1")
        self.assertRejected(text.encode() + b"\x00", "NUL character")
        self.assertRejected(text.encode() + b"\x00garbage", "NUL character")

    def test_nul_inside(self):
        text = tinymodel.dumps(doc())
        raw = text.replace('"ein"', '"e\x00in"').encode()
        self.assertRejected(raw, "NUL character at line 1, column")
        self.assertRejected(text.replace('"ein"', '"ein\\u0000x"'), "NUL character", "\\u0000")
        self.assertRejected(text.replace('"</s>"', '"</s>\\u0000"'), "NUL character")
        # an escaped backslash followed by u0000 is the text \u0000, no NUL
        out = self.assertLoads(text.replace('"ein"', '"e\\\\u0000in"'))
        self.assertTrue(out)

    def test_deep_nesting_does_not_blow_the_stack(self):
        for depth in (1001, 5000, 200000):
            with self.subTest(depth=depth):
                self.assertRejected("[" * depth + "]" * depth)
                self.assertRejected('{"a":' * depth + "1" + "}" * depth)
        d = doc()
        inner = "1"
        for _ in range(2000):
            inner = '{"x": ' + inner + "}"
        text = tinymodel.dumps(d).replace('"meta": {', '"meta": {"deep": ' + inner + ", ", 1)
        self.assertRejected(text, "invalid JSON")
        self.assertRejected(tinymodel.dumps(d).replace('"vocab": [', '"vocab": [' + "[" * 3000 + "]" * 3000 + ", ", 1))

    def test_deep_but_allowed_meta_loads(self):
        inner = "1"
        for _ in range(900):
            inner = '{"x": ' + inner + "}"
        self.assertLoads(tinymodel.dumps(doc()).replace('"meta": {', '"meta": {"deep": ' + inner + ", ", 1))

    def test_json_extensions_are_refused(self):
        text = tinymodel.dumps(doc())
        base = re.sub(r'"encoder.embedding.weight": \{[^}]*\}',
                      '"encoder.embedding.weight": {"shape": [6, 3], "data": [NUMBERS]}', text)
        # (cJSON reads "1." and "01" as numbers, where Python refuses them: harmless, the value is clear)
        for bad in sample(("NaN", "Infinity", "-Infinity", "nan", "inf", "0x10", "+1", ".5", "1e", "--1", "1..5",
                           "0.5.5")):
            with self.subTest(value=bad):
                numbers = ", ".join(["0.5"] * 17 + [bad])
                self.assertRejected(base.replace("NUMBERS", numbers), "invalid JSON")
        self.assertRejected(text.replace('"version": 1', '"version": 1,'), "invalid JSON")
        self.assertRejected(text.replace('{"format"', "// comment\n{\"format\""), "invalid JSON at line 1, column 1")
        self.assertRejected(text.replace('"format"', "'format'"), "invalid JSON")


class DocumentTest(HostileTestCase):
    def test_format_and_version(self):
        cases = [
            ({"format": "other"}, "format"),
            ({"format": 1}, "format"),
            ({"format": None}, "format"),
            ({"version": 2}, "version: 2 is not supported"),
            ({"version": 1.5}, "version"),
            ({"version": "1"}, "version"),
            ({"version": None}, "version"),
            ({"version": 1e999}, "version"),
        ]
        for change, fragment in sample(cases):
            with self.subTest(change=change):
                d = doc()
                d.update(change)
                self.assertRejected(tinymodel.dumps(d).replace("1e999", "1e999").replace("Infinity", "1e999"),
                                    fragment)
        for key in ("format", "version", "config", "source", "target", "special_tokens", "tensors"):
            with self.subTest(missing=key):
                d = doc()
                del d[key]
                self.assertRejected(d, key)

    def test_wrong_types_of_the_sections(self):
        for key in ("config", "source", "target", "special_tokens", "tensors", "meta"):
            for value in sample([[], "x", 1, True, None]):
                if key == "meta" and value is None:
                    continue
                with self.subTest(key=key, value=value):
                    d = doc()
                    d[key] = value
                    self.assertRejected(d, key)

    def test_duplicate_keys_anywhere(self):
        text = tinymodel.dumps(doc())
        cases = [
            (text.replace('"config": {', '"config": {"bridge": "zeros", ', 1), "config.bridge: given twice"),
            (text.replace('{"format": "rnnsearch-model"', '{"format": "rnnsearch-model", "format": "rnnsearch-model"'),
             "format: given twice"),
            (text.replace('"meta": {', '"tensors": {}, "meta": {', 1), "tensors: given twice"),
            (text.replace('"encoder": {', '"encoder": {"hidden_size": 2, ', 1),
             "config.encoder.hidden_size: given twice"),
            (text.replace('"special_tokens": {', '"special_tokens": {"unk": "ein", ', 1),
             "special_tokens.unk: given twice"),
            (text.replace('"tokenizer": {}', '"tokenizer": {"lowercase": true, "lowercase": false}'),
             "tokenizer.lowercase: given twice"),
            (text.replace('"meta": {', '"meta": {"name": "x", ', 1), "meta.name: given twice"),
        ]
        t = tensor(doc(), "output.bias")
        cases.append((text.replace('"output.bias": ', '"output.bias": ' + json.dumps(t) + ', "output.bias": '),
                      "tensor output.bias: given twice"))
        cases.append((text.replace('"output.bias": {"shape"', '"output.bias": {"shape": [1], "shape"'),
                      "tensors.output.bias.shape: given twice"))
        for content, fragment in sample(cases):
            with self.subTest(fragment=fragment):
                self.assertNotEqual(content, text)
                self.assertRejected(content, fragment)

    def test_unknown_top_level_keys_are_ignored(self):
        d = doc()
        d["comment"] = {"anything": [1, 2]}
        self.assertLoads(d)

    def test_byte_order_mark_and_whitespace_are_accepted(self):
        text = tinymodel.dumps(doc())
        self.assertLoads(b"\xef\xbb\xbf" + text.encode())
        self.assertLoads("\n\r\n\t " + text + "\n\n ")
        self.assertLoads(json.dumps(doc(), indent=2))


class ConfigTest(HostileTestCase):
    def assertConfigRejected(self, path, value, fragment=None):
        d = doc()
        node = d["config"]
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        text = tinymodel.dumps(d)
        return self.assertRejected(text, fragment or "config." + ".".join(path))

    def test_sizes(self):
        bad = ["4", 4.5, 0, -1, True, None, [], {}, 2 ** 24 + 1, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, 10 ** 30,
               1e300, -0.5]
        for path in sample((("encoder", "embedding_dim"), ("encoder", "hidden_size"), ("encoder", "num_layers"),
                            ("decoder", "embedding_dim"), ("decoder", "hidden_size"), ("decoder", "num_layers"),
                            ("attention", "dim"))):
            for value in sample(bad + [KeyError]):
                with self.subTest(path=path, value=value):
                    self.assertConfigRejected(path, value)
        self.assertConfigRejected(("encoder", "num_layers"), 257)

    def test_overflowing_literals(self):
        text = tinymodel.dumps(doc())
        for literal in sample(("1e999", "-1e999", "1e-999", "4294967297", "18446744073709551617", "1" + "0" * 400)):
            with self.subTest(literal=literal):
                self.assertRejected(text.replace('"embedding_dim": 3', '"embedding_dim": ' + literal, 1),
                                    "config.encoder.embedding_dim")

    def test_huge_but_allowed_dimensions_fail_on_the_tensors_without_allocating(self):
        # 2^24 x 2^24 floats would be a petabyte: the shapes are checked before anything is allocated.
        d = doc()
        d["config"]["encoder"]["hidden_size"] = 2 ** 24
        d["config"]["decoder"]["hidden_size"] = 2 ** 24
        self.assertRejected(d, "tensor encoder.rnn.weight_ih_l0: shape [6, 3] but config needs [50331648, 3]")
        d = doc()
        d["config"]["encoder"]["embedding_dim"] = 2 ** 24
        d["tensors"]["encoder.embedding.weight"]["shape"] = [6, 2 ** 24]
        self.assertRejected(d, "tensor encoder.embedding.weight", "base64")
        d["tensors"]["encoder.embedding.weight"] = {"shape": [6, 2 ** 24], "data": [0.5]}
        self.assertRejected(d, "tensor encoder.embedding.weight: data has 1 numbers")
        d["tensors"]["encoder.embedding.weight"] = {"shape": [6, 2 ** 24], "data": [[0.5]] * 6}
        self.assertRejected(d, "tensor encoder.embedding.weight: data[0] has 1 entries but the shape needs 16777216")
        d = doc()
        d["config"]["decoder"]["num_layers"] = 256
        d["config"]["decoder"]["hidden_size"] = 2 ** 24 // 128
        self.assertRejected(d, "config.decoder: num_layers x hidden_size is too large")

    def test_layers_hold_many_tensors(self):
        d = doc()
        d["config"]["encoder"]["num_layers"] = 256
        self.assertRejected(d, "tensor encoder.rnn.weight_ih_l1: missing")

    def test_flags_and_choices(self):
        for value in sample(("true", 1, 0, None, [], KeyError)):
            with self.subTest(value=value):
                self.assertConfigRejected(("encoder", "bidirectional"), value)
        for path in (("bridge",), ("attention", "score")):
            for value in sample(("Linear_Tanh", "", "additive ", 1, None, ["copy"], KeyError)):
                with self.subTest(path=path, value=value):
                    self.assertConfigRejected(path, value)
        for value in sample(([], {}, "state", ["state", "state"], ["state", "State"], [1], [None], ["state", 1],
                             ["state", "context", "embedding", "state"], KeyError)):
            with self.subTest(output=value):
                self.assertConfigRejected(("output",), value, "config.output")
        for section in ("encoder", "decoder", "attention"):
            for value in sample(([], "x", 1, None, KeyError)):
                with self.subTest(section=section, value=value):
                    self.assertConfigRejected((section,), value)

    def test_inconsistent_architectures(self):
        d = doc()
        d["config"]["bridge"] = "copy"
        self.assertRejected(d, "config.bridge", "copy")
        for score in ("dot", "scaled_dot"):
            d = doc()
            d["config"]["attention"] = {"score": score}
            d["config"]["decoder"]["hidden_size"] = 5  # K is 4
            self.assertRejected(d, "config.attention.score", score, "(5)", "(4)")


class VocabularyTest(HostileTestCase):
    def test_vocab_lists(self):
        for side in ("source", "target"):
            for value in sample((None, "abc", {"a": 0}, 3, KeyError)):
                with self.subTest(side=side, value=value):
                    d = doc()
                    if value is KeyError:
                        del d[side]["vocab"]
                    else:
                        d[side]["vocab"] = value
                    self.assertRejected(d, f"{side}.vocab")
            for value in sample((5, 5.5, None, True, ["x"], {"x": 1})):
                with self.subTest(side=side, entry=value):
                    d = doc()
                    d[side]["vocab"][4] = value
                    self.assertRejected(d, f"{side}.vocab[4]: expected a string")
            with self.subTest(side=side, vocab="empty"):
                d = doc()
                d[side]["vocab"] = []
                self.assertRejected(d, f"is not in {side}.vocab")

    def test_invalid_utf8_and_escapes(self):
        text = tinymodel.dumps(doc())
        for raw in sample((b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\x80b", b"\xe2\x82")):
            with self.subTest(raw=raw):
                content = text.encode().replace(b'"katze"', b'"' + raw + b'"')
                self.assertRejected(content, "source.vocab[5]: not valid UTF-8")
                content = text.encode().replace(b'"cat"', b'"' + raw + b'"')
                self.assertRejected(content, "target.vocab[5]: not valid UTF-8")
        for escape in sample(("\\ud800", "\\udc00", "\\ud800x", "\\ud800\\u0041", "\\u12", "\\x41", "\\'")):
            with self.subTest(escape=escape):
                self.assertRejected(text.replace('"cat"', '"' + escape + '"'), "invalid JSON")
        # well-formed escapes are tokens like any other
        self.assertLoads(text.replace('"cat"', '"\\ud83d\\ude00"').replace('"dog"', '"\\u00e9t\\u00e9"'))

    def test_line_breaks_in_tokens(self):
        for ch in sample(("\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c")):
            for side, word in (("source", "katze"), ("target", "cat")):
                with self.subTest(side=side, char=ch):
                    d = doc()
                    d[side]["vocab"][5] = word + ch + word
                    self.assertRejected(d, f"{side}.vocab[5]: holds a line break")
        # raw control characters in a JSON string are not JSON either way
        d = doc()
        d["target"]["vocab"][5] = "c\tt"  # a tab is no line break: accepted (unreachable by the tokenizer)
        self.assertLoads(d)

    def test_special_tokens(self):
        for key in ("unk", "bos", "eos"):
            for value in sample((KeyError, 1, None, ["<s>"], {"s": 1})):
                with self.subTest(key=key, value=value):
                    d = doc()
                    if value is KeyError:
                        del d["special_tokens"][key]
                    else:
                        d["special_tokens"][key] = value
                    self.assertRejected(d, f"special_tokens.{key}")
            for side in ("source", "target"):
                with self.subTest(key=key, absent_from=side):
                    d = doc()
                    d[side]["vocab"][["unk", "bos", "eos"].index(key)] = "<other>"
                    self.assertRejected(d, f"special_tokens.{key}", f"is not in {side}.vocab")
        d = doc()
        d["special_tokens"]["pad"] = 0
        self.assertRejected(d, "special_tokens.pad")
        d = doc()
        d["special_tokens"]["pad"] = "<pad>"  # absent from both vocabularies: allowed, it is optional
        self.assertLoads(d)

    def test_add_bos_add_eos(self):
        for key in ("add_bos", "add_eos"):
            for value in sample((1, 0, "true", None, [])):
                with self.subTest(key=key, value=value):
                    d = doc()
                    d["source"][key] = value
                    self.assertRejected(d, f"source.{key}")

    def test_duplicate_vocab_entries_load(self):
        d = doc()
        d["source"]["vocab"][5] = "ein"
        d["target"]["vocab"][4] = "a"
        self.assertLoads(d)

    def test_tokenizer(self):
        for value in sample(({"lowercase": 1}, {"lowercase": "true"}, {"unknown": True}, {"source": []},
                             {"source": {"capitalize": None}}, {"target": {"bogus": False}}, [], "x", 1)):
            with self.subTest(tokenizer=value):
                d = doc()
                d["tokenizer"] = value
                self.assertRejected(d, "tokenizer")
        for value in (None, {}, {"source": None}, {"lowercase": False, "target": {"capitalize": True}}):
            with self.subTest(accepted=value):
                d = doc()
                d["tokenizer"] = value
                self.assertLoads(d)


class TensorTest(HostileTestCase):
    NAME = "encoder.embedding.weight"  # [6, 3]

    def with_tensor(self, value, name=NAME):
        d = doc()
        d["tensors"][name] = value
        return d

    def test_missing_and_unknown_tensors(self):
        for name in sample(tinymodel.tensor_shapes(tinymodel.default_config(), 6, 6)):
            if name in ("attention.query.bias", "attention.key.bias"):
                continue
            with self.subTest(missing=name):
                d = doc()
                del d["tensors"][name]
                self.assertRejected(d, f"tensor {name}: missing")
        for name in sample(("encoder.rnn.weight_ih_l1", "attention.weight", "decoder.rnn.weight_ih_l0_reverse", "foo",
                     "", "encoder.embedding.weight ", "Encoder.embedding.weight", "x" * 5000, "a\nb", "\u00e9",
                     "\ufeff")):
            with self.subTest(unknown=name[:40]):
                text = tinymodel.dumps(doc()).replace('"tensors": {', '"tensors": {' + json.dumps(name)
                                                      + ': {"shape": [1], "data": [0]}, ', 1)
                self.assertRejected(text, "tensor", "unknown tensor")
        text = tinymodel.dumps(doc()).replace('"tensors": {', '"tensors": {"output.bias\\u0000x": {}, ', 1)
        self.assertRejected(text, "NUL character")
        text = tinymodel.dumps(doc()).replace('"tensors": {', '"tensors": {"\\udcff": {}, ', 1)
        self.assertRejected(text, "invalid JSON")
        d = doc()
        d["tensors"]["bridge.weight"], d["config"]["bridge"] = d["tensors"]["bridge.weight"], "zeros"
        del d["tensors"]["bridge.bias"]
        self.assertRejected(d, "tensor bridge.weight: unknown tensor")

    def test_vocabulary_sizes_must_match_the_tensors(self):
        d = doc()
        d["source"]["vocab"].append("maus")
        self.assertRejected(d, "tensor encoder.embedding.weight: shape [6, 3] but config needs [7, 3]")
        d = doc()
        d["target"]["vocab"].pop()
        self.assertRejected(d, "tensor decoder.embedding.weight: shape [6, 3] but config needs [5, 3]")
        d = doc()
        d["config"]["output"] = ["state"]  # output.weight has columns for all three parts
        self.assertRejected(d, "tensor output.weight: shape [6, 11] but config needs [6, 4]")

    def test_tensor_objects(self):
        good = tensor(doc(), self.NAME)
        cases = [
            ([], "expected an object"), ("x", "expected an object"), (None, "expected an object"),
            ({"data": [0.0] * 18}, 'missing "shape"'),
            ({"shape": [6, 3]}, 'missing "data" or "base64"'),
            ({"shape": [6, 3], "data": [0.0] * 18, "base64": good["base64"]}, 'has both "data" and "base64"'),
            ({"shape": "6,3", "data": [0.0] * 18}, "shape is not a list"),
            ({"shape": {"0": 6}, "data": [0.0] * 18}, "shape is not a list"),
        ]
        for value, fragment in sample(cases):
            with self.subTest(value=str(value)[:60]):
                self.assertRejected(self.with_tensor(value), f"tensor {self.NAME}: {fragment}")

    def test_shapes(self):
        cases = [[3, 6], [18], [6, 3, 1], [1, 6, 3], [], [6], [6, 4], [7, 3], [6, -3], [6, 3.5], [6, "3"],
                 [6, None], [6, True], [6, [3]], [2 ** 31, 3], [6, 2 ** 32], [2 ** 32, 2 ** 32], [2 ** 64, 1],
                 [10 ** 20, 10 ** 20], [6, 3, 1, 1, 1], [1] * 100, [0, 3], [6, 0]]
        for shape in sample(cases):
            with self.subTest(shape=shape):
                value = {"shape": shape, "data": [0.0] * 18}
                self.assertRejected(self.with_tensor(value), f"tensor {self.NAME}: ")
        text = tinymodel.dumps(self.with_tensor({"shape": [6, 3], "data": [0.0] * 18}))
        for literal in ("1e999", "-0.0e999", "6.0000001"):
            with self.subTest(literal=literal):
                self.assertRejected(text.replace('"shape": [6, 3], "data"', '"shape": [6, %s], "data"' % literal),
                                    f"tensor {self.NAME}: shape")

    def test_flat_and_nested_data(self):
        row = [0.5, -0.5, 0.25]
        cases = [
            ([0.5] * 17, "data has 17 numbers but shape [6, 3] needs 18"),
            ([0.5] * 19, "data has 19 numbers"),
            ([], "data has 0 numbers"),
            ([0.5] * 17 + ["0.5"], "data[17] is not a number"),
            ([0.5] * 17 + [None], "data[17] is not a number"),
            ([0.5] * 17 + [True], "data[17] is not a number"),
            ([0.5] * 17 + [{}], "data[17] is not a number"),
            ([row] * 5, "data has 5 entries but the shape needs 6"),
            ([row] * 5 + [row[:2]], "data[5] has 2 entries but the shape needs 3"),
            ([row] * 5 + [row + [1.0]], "data[5] has 4 entries"),
            ([row] * 5 + [[0.5, [0.5], 0.5]], "data[5][1] is not a number"),
            ([row] * 5 + [[[0.5, 0.5, 0.5]]], "data[5]"),
            ([row] * 5 + [0.5], "data[5] is not a list"),
            ([[row]] * 6, "data[0]"),
            ("abc", "data is not a list"),
            ({"0": 1}, "data is not a list"),
            (0.5, "data is not a list"),
        ]
        for data, fragment in sample(cases):
            with self.subTest(data=str(data)[:50]):
                self.assertRejected(self.with_tensor({"shape": [6, 3], "data": data}), f"tensor {self.NAME}: {fragment}")
        text = tinymodel.dumps(self.with_tensor({"shape": [6, 3], "data": [0.5] * 18}))
        for literal in ("1e39", "-1e39", "3.5e38", "1e999", "-1e999"):
            with self.subTest(literal=literal):
                self.assertRejected(text.replace("0.5]", literal + "]", 1), "data[17] is not a finite float32 value")
        # the largest float32, subnormals and -0.0 are fine
        self.assertLoads(text.replace("0.5, 0.5, 0.5]", "3.4028234e38, 1e-45, -0.0]", 1))

    def test_base64(self):
        good = tensor(doc(), self.NAME)["base64"]  # 72 bytes: 18 f32 values
        cases = [
            (good[:-4], "base64 holds 69 bytes but 18 f32 values need 72"),
            (good + "AAAA", "base64 holds 75 bytes"),
            (good[:-1], "base64 holds 71 bytes"),
            (good[:-3], "base64: truncated or badly padded"),
            (good[:10] + "*" + good[11:], "base64: invalid character at offset 10"),
            (good[:10] + "\u00e9" + good[11:], "base64: invalid character"),
            (good + "=", "base64: truncated or badly padded"),
            ("=" + good, "base64: data after '=' padding at offset 1"),
            (good[:20] + "==" + good[22:], "base64: data after '=' padding at offset 22"),
            ("", "base64 holds"),
            ("A", "base64"),
            ("A" * 10 ** 7, "base64 holds 7500000 bytes but 18 f32 values need 72"),
        ]
        for b64, fragment in sample(cases):
            with self.subTest(b64=b64[:30]):
                self.assertRejected(self.with_tensor({"shape": [6, 3], "dtype": "f32", "base64": b64}),
                                    f"tensor {self.NAME}: {fragment}")
        for value in (1, None, ["AAAA"], {"a": 1}):
            with self.subTest(base64=value):
                self.assertRejected(self.with_tensor({"shape": [6, 3], "base64": value}), "base64 is not a string")
        # whitespace inside and missing padding are accepted, as Python's base64 module accepts them with help
        spaced = "\n".join(good[i:i + 8] for i in range(0, len(good), 8))
        self.assertLoads(self.with_tensor({"shape": [6, 3], "dtype": "f32", "base64": spaced}))

    def test_dtypes(self):
        for dtype in sample(("f64", "F32", "float32", "f8", "", "bf16", 32, None, ["f32"], True)):
            with self.subTest(dtype=dtype):
                d = self.with_tensor({"shape": [6, 3], "dtype": dtype, "base64": tensor(doc(), self.NAME)["base64"]})
                self.assertRejected(d, f"tensor {self.NAME}: dtype must be")
                d = self.with_tensor({"shape": [6, 3], "dtype": dtype, "data": [0.5] * 18})
                self.assertRejected(d, f"tensor {self.NAME}: dtype must be")
        # f32 bytes read as f16: twice the values, so the wrong length
        d = self.with_tensor({"shape": [6, 3], "dtype": "f16", "base64": tensor(doc(), self.NAME)["base64"]})
        self.assertRejected(d, "base64 holds 72 bytes but 18 f16 values need 36")
        # no dtype: f32
        d = self.with_tensor({"shape": [6, 3], "base64": tensor(doc(), self.NAME)["base64"]})
        self.assertLoads(d)

    def test_non_finite_binary_values(self):
        import base64
        import struct
        for code, bits, name in (("<18f", [float("nan")], "NaN"), ("<18f", [float("inf")], "infinity"),
                                 ("<18f", [float("-inf")], "infinity"), ("<18e", [float("nan")], "NaN"),
                                 ("<18e", [float("inf")], "infinity")):
            with self.subTest(code=code, value=bits[0]):
                raw = struct.pack(code, *([0.5] * 17 + bits))
                dtype = "f32" if code.endswith("f") else "f16"
                d = self.with_tensor({"shape": [6, 3], "dtype": dtype, "base64": base64.b64encode(raw).decode()})
                self.assertRejected(d, f"tensor {self.NAME}: value 17 is not finite ({name})")

    def test_optional_tensors(self):
        d = doc()
        del d["tensors"]["attention.query.bias"]
        del d["tensors"]["attention.key.bias"]
        d["tensors"]["attention.v.bias"] = {"shape": [1], "data": [3.0]}
        self.assertLoads(d)
        d = doc()
        d["tensors"]["attention.v.bias"] = {"shape": [1], "data": ["x"]}  # ignored, even when broken
        self.assertLoads(d)

    def test_every_data_form_gives_the_same_translation(self):
        outputs = {form: self.assertLoads(tinymodel.build(form=form), args=("-b", "2", "--format", "jsonl"))
                   for form in ("flat", "nested", "f32", "f16")}
        self.assertEqual(len(set(outputs.values())), 1, outputs)


class FuzzInputsTest(HostileTestCase):
    """The model fuzzer's seeds and the inputs that once made it fail (tests/fuzz/regressions/model): each loads
    or is refused cleanly."""

    def test_fuzz_inputs(self):
        fuzz = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz")
        paths = [os.path.join(fuzz, kind, "model", name) for kind in ("corpus", "regressions")
                 for name in sorted(os.listdir(os.path.join(fuzz, kind, "model")))]
        self.assertGreater(len(paths), 5)
        for path in paths:
            with self.subTest(path=os.path.relpath(path, fuzz)):
                result = clitools.run(["-m", path, "-b", "2"], "a b\n")
                if result.returncode == 0:
                    self.assertEqual(result.stdout.count(b"\n"), 1)
                    continue
                self.assertRejected(None, path=path)


class RuntimeTest(HostileTestCase):
    """Valid files whose weights overflow float32 arithmetic at run time (inf, NaN): still one line per
    input line and exit 0."""

    def test_huge_weights(self):
        for scale in (1e30, 3e38):
            d = tinymodel.build(scale=scale, form="f32")
            for args in (("-b", "1"), ("-b", "3"), ("-b", "3", "-n", "2", "--format", "jsonl", "-a"),
                         ("-b", "1", "--align-csv", "-"), ("-b", "2", "-a", "--alignments")):
                with self.subTest(scale=scale, args=args):
                    path = self.write(d)
                    result = clitools.run(["-m", path] + list(args), INPUT)
                    what = clitools.describe(list(args), result)
                    self.assertEqual(result.returncode, 0, what)
                    out = result.stdout.decode("utf-8")
                    if "jsonl" in args:
                        lines = out.splitlines()
                        self.assertEqual(len(lines), 2, what)
                        for line in lines:
                            json.loads(line)  # Python reads NaN and Infinity
                    elif "--align-csv" not in args and "-a" not in args:
                        self.assertEqual(out.count("\n"), INPUT.count("\n") * (2 if "-n" in args else 1), what)


if __name__ == "__main__":
    unittest.main()
