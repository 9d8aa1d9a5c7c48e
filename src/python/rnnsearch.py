"""rnnsearch from Python: the engine of librnnsearch (src/include/rnnsearch.h) through ctypes.

    import rnnsearch
    model = rnnsearch.Model("models/deu-eng.json")
    [t] = model.translate(["ein Mann fährt Fahrrad ."], beam=5)
    t.text, t.score          # the best hypothesis
    t.attention              # numpy float32 [target steps, source positions]
    t.source, t.tokens       # the matrix's column and row labels

The results equal the command line's for the same options (rnnsearch --format jsonl): the same tokens, the
same scores, the same attention and attributions, bit for bit. Errors raise rnnsearch.Error (ArgumentError,
ModelError, TranslationError, OutOfMemory) with the library's message.

The library is looked for in this order: $RNNSEARCH_LIBRARY (a file), build/ of the repository this file lies
in (src/python/ of a built tree), the directory `make install` put it in, and the system's library path.
Nothing is compiled: ctypes and numpy are all it needs.
"""

import ctypes
import ctypes.util
import math
import os

import numpy as np

__all__ = ["Model", "Translation", "Hypothesis", "Error", "ArgumentError", "ModelError", "TranslationError",
           "OutOfMemory", "METHODS", "library_version"]

# `make install` writes its LIBDIR here; in the source tree it stays as it is.
_INSTALLED_LIBDIR = "@LIBDIR@"
_SONAME = "librnnsearch.so.1"

PIECES, WORDS = 0, 1
METHODS = ("attention", "occlusion", "saliency", "grad_input", "ig")


class Error(Exception):
    """A failed call of the library: `status` (rnnsearch_status) and the library's one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class ArgumentError(Error, ValueError):
    """A bad argument or option value."""


class ModelError(Error):
    """The model cannot be found, read or used."""


class TranslationError(Error):
    """The engine failed on an input."""


class OutOfMemory(Error, MemoryError):
    """The library ran out of memory."""


_ERRORS = {1: ArgumentError, 2: ModelError, 3: OutOfMemory, 4: TranslationError}


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 512)]


class _LoadOptions(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int), ("quantize_int8", ctypes.c_int)]


class _Options(ctypes.Structure):
    _fields_ = [("beam", ctypes.c_int), ("n_best", ctypes.c_int), ("max_length", ctypes.c_int),
                ("max_length_factor", ctypes.c_double), ("length_penalty", ctypes.c_double),
                ("no_repeat_ngram", ctypes.c_int), ("max_source_tokens", ctypes.c_int),
                ("split_sentences", ctypes.c_int), ("replace_unk", ctypes.c_int), ("explain", ctypes.c_uint),
                ("ig_steps", ctypes.c_int), ("batch_size", ctypes.c_int),
                ("occlusion_words", ctypes.c_int)]


def _candidates():
    env = os.environ.get("RNNSEARCH_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.realpath(__file__))
    yield os.path.join(here, os.pardir, os.pardir, "build", _SONAME)
    if not _INSTALLED_LIBDIR.startswith("@"):
        yield os.path.join(_INSTALLED_LIBDIR, _SONAME)
    yield ctypes.util.find_library("rnnsearch") or _SONAME


def _load_library():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (missing)")
            continue
        try:
            return _declare(ctypes.CDLL(path))
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("rnnsearch: librnnsearch not found; build it with `make lib` or set RNNSEARCH_LIBRARY. "
                      "Tried: " + "; ".join(tried))


def _declare(lib):
    c_int, c_double, c_char_p, c_void_p = ctypes.c_int, ctypes.c_double, ctypes.c_char_p, ctypes.c_void_p
    strings = ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p))
    floats, ints = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int)
    shape = [ctypes.POINTER(c_int), ctypes.POINTER(c_int)]
    signatures = {
        "rnnsearch_version": (c_char_p, []),
        "rnnsearch_load_options_init": (None, [ctypes.POINTER(_LoadOptions)]),
        "rnnsearch_model_load": (c_int, [ctypes.POINTER(c_void_p), c_char_p, ctypes.POINTER(_LoadOptions),
                                         ctypes.POINTER(_Error)]),
        "rnnsearch_model_free": (None, [c_void_p]),
        "rnnsearch_model_is_subword": (c_int, [c_void_p]),
        "rnnsearch_model_source_language": (c_char_p, [c_void_p]),
        "rnnsearch_model_target_language": (c_char_p, [c_void_p]),
        "rnnsearch_methods_parse": (c_int, [c_char_p, ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(_Error)]),
        "rnnsearch_options_init": (None, [ctypes.POINTER(_Options)]),
        "rnnsearch_translate": (c_int, [c_void_p, ctypes.POINTER(c_char_p), ctypes.POINTER(c_char_p), c_int,
                                        ctypes.POINTER(_Options), ctypes.POINTER(c_void_p), ctypes.POINTER(_Error)]),
        "rnnsearch_result_free": (None, [c_void_p]),
        "rnnsearch_result_count": (c_int, [c_void_p]),
        "rnnsearch_source_tokens": (c_int, [c_void_p, c_int, c_int, strings]),
        "rnnsearch_source_word_of": (ints, [c_void_p, c_int]),
        "rnnsearch_source_dropped": (ctypes.c_size_t, [c_void_p, c_int]),
        "rnnsearch_hyp_count": (c_int, [c_void_p, c_int]),
        "rnnsearch_hyp_text": (c_char_p, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_tokens": (c_int, [c_void_p, c_int, c_int, c_int, strings]),
        "rnnsearch_hyp_word_of": (ints, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_steps": (c_int, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_ended_by_eos": (c_int, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_truncated": (c_int, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_score": (c_double, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_normalized_score": (c_double, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_logprobs": (floats, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_attention": (floats, [c_void_p, c_int, c_int, c_int] + shape),
        "rnnsearch_hyp_attribution": (floats, [c_void_p, c_int, c_int, c_int] + shape),
        "rnnsearch_hyp_ig_error": (floats, [c_void_p, c_int, c_int]),
        "rnnsearch_hyp_rank_correlation": (ctypes.POINTER(c_double), [c_void_p, c_int, c_int, c_int]),
        "rnnsearch_hyp_mean_rank_correlation": (c_double, [c_void_p, c_int, c_int, c_int]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_lib = _load_library()


def library_version():
    """The version of the librnnsearch in use, e.g. "1.0.0"."""
    return _lib.rnnsearch_version().decode()


def _raise(status, error):
    raise _ERRORS.get(status, Error)(status, error.message.decode("utf-8", "replace"))


def _text(value):
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise TypeError("rnnsearch: expected str or bytes, got %s" % type(value).__name__)
    return value.encode("utf-8")


def _methods(explain):
    """explain= as a mask: None, "saliency,ig", or a list of names."""
    if not explain:
        return 0
    if not isinstance(explain, str):
        explain = ",".join(explain)
    mask, error = ctypes.c_uint(), _Error()
    status = _lib.rnnsearch_methods_parse(explain.encode(), ctypes.byref(mask), ctypes.byref(error))
    if status:
        _raise(status, error)
    return mask.value


def _strings(pointer, count):
    return [pointer[i].decode("utf-8") for i in range(count)]


def _array(pointer, shape, dtype):
    if not pointer or 0 in shape:
        return np.zeros(shape, dtype)
    return np.ctypeslib.as_array(pointer, shape=shape).astype(dtype, copy=True)


class Hypothesis:
    """One translation of a sentence. Rows of the matrices are target steps (the tokens and, when the
    hypothesis ended with it, the eos), columns the source positions (added bos/eos included): the labels are
    `row_labels` and the sentence's `source`. Word-level fields group a subword model's pieces into words (for
    a word-level model they equal the piece-level ones)."""

    def __init__(self, result, i, k, sentence):
        lib = _lib
        self.source, self.source_words = sentence.source, sentence.source_words
        self.text = lib.rnnsearch_hyp_text(result, i, k).decode("utf-8")
        tokens = ctypes.POINTER(ctypes.c_char_p)()
        n = lib.rnnsearch_hyp_tokens(result, i, k, PIECES, ctypes.byref(tokens))
        self.tokens = _strings(tokens, n)
        n_words = lib.rnnsearch_hyp_tokens(result, i, k, WORDS, ctypes.byref(tokens))
        self.words = _strings(tokens, n_words)
        self.word_of = _array(lib.rnnsearch_hyp_word_of(result, i, k), (n,), np.int32)
        self.steps = lib.rnnsearch_hyp_steps(result, i, k)
        self.ended_by_eos = bool(lib.rnnsearch_hyp_ended_by_eos(result, i, k))
        self.truncated = bool(lib.rnnsearch_hyp_truncated(result, i, k))
        self.score = lib.rnnsearch_hyp_score(result, i, k)
        self.normalized_score = lib.rnnsearch_hyp_normalized_score(result, i, k)
        self.logprobs = _array(lib.rnnsearch_hyp_logprobs(result, i, k), (self.steps,), np.float32)
        self.attention = self._matrix(lib.rnnsearch_hyp_attention, result, i, k, PIECES)
        self.word_attention = self._matrix(lib.rnnsearch_hyp_attention, result, i, k, WORDS)
        self.attributions, self.rank_correlations, self.mean_rank_correlations = {}, {}, {}
        for m, name in enumerate(METHODS):
            matrix = self._matrix(lib.rnnsearch_hyp_attribution, result, i, k, m, optional=True)
            if matrix is not None:
                self.attributions[name] = matrix
            rho = lib.rnnsearch_hyp_rank_correlation(result, i, k, m)
            if rho:
                self.rank_correlations[name] = _array(rho, (self.steps,), np.float64)
                self.mean_rank_correlations[name] = lib.rnnsearch_hyp_mean_rank_correlation(result, i, k, m)
        ig_error = lib.rnnsearch_hyp_ig_error(result, i, k)
        self.ig_error = _array(ig_error, (self.steps,), np.float32) if ig_error else None

    @staticmethod
    def _matrix(function, result, i, k, which, optional=False):
        rows, cols = ctypes.c_int(), ctypes.c_int()
        pointer = function(result, i, k, which, ctypes.byref(rows), ctypes.byref(cols))
        if optional and not pointer:
            return None
        return _array(pointer, (rows.value, cols.value), np.float32)

    @property
    def row_labels(self):
        """The target tokens and, when emitted, the eos: the rows of `attention`."""
        return self.tokens + (["</s>"] if self.ended_by_eos else [])

    @property
    def word_row_labels(self):
        """The target words and, when emitted, the eos: the rows of `word_attention`."""
        return self.words + (["</s>"] if self.ended_by_eos else [])

    def __repr__(self):
        return "Hypothesis(%r, score=%r)" % (self.text, self.score)


class Translation:
    """The result for one input sentence: its source tokens, the hypotheses best first (none for a line
    without tokens), and the best hypothesis's fields directly (text, tokens, score, attention, ...)."""

    def __init__(self, result, i):
        lib = _lib
        tokens = ctypes.POINTER(ctypes.c_char_p)()
        n = lib.rnnsearch_source_tokens(result, i, PIECES, ctypes.byref(tokens))
        self.source = _strings(tokens, n)
        n_words = lib.rnnsearch_source_tokens(result, i, WORDS, ctypes.byref(tokens))
        self.source_words = _strings(tokens, n_words)
        self.source_word_of = _array(lib.rnnsearch_source_word_of(result, i), (n,), np.int32)
        self.dropped = lib.rnnsearch_source_dropped(result, i)
        self.hypotheses = [Hypothesis(result, i, k, self) for k in range(lib.rnnsearch_hyp_count(result, i))]

    def __getattr__(self, name):
        # The best hypothesis's fields; a line without tokens has none, and gets the command line's empty one.
        if name.startswith("_") or name not in Hypothesis.__dict__ and name not in _HYPOTHESIS_FIELDS:
            raise AttributeError(name)
        if self.hypotheses:
            return getattr(self.hypotheses[0], name)
        return _EMPTY.get(name)

    def __repr__(self):
        return "Translation(%r, score=%r)" % (self.text, self.score)


_HYPOTHESIS_FIELDS = {"text", "tokens", "words", "word_of", "steps", "ended_by_eos", "truncated", "score",
                      "normalized_score", "logprobs", "attention", "word_attention", "attributions",
                      "rank_correlations", "mean_rank_correlations", "ig_error"}
_EMPTY = {"text": "", "tokens": [], "words": [], "word_of": np.zeros(0, np.int32), "steps": 0,
          "ended_by_eos": False, "truncated": False, "score": 0.0, "normalized_score": 0.0,
          "logprobs": np.zeros(0, np.float32), "attention": np.zeros((0, 0), np.float32),
          "word_attention": np.zeros((0, 0), np.float32), "attributions": {}, "rank_correlations": {},
          "mean_rank_correlations": {}, "ig_error": None, "row_labels": [], "word_row_labels": []}


class Model:
    """A loaded model: a file, or the name of an installed model ("fra-eng"); None: $RNNSEARCH_MODEL, else the
    default model. threads: the engine's worker threads, for the whole process (0: the CPUs available, at
    most 8, unless an earlier load set them); quantize="int8": int8 weights (--quantize int8)."""

    def __init__(self, path=None, threads=0, quantize=None):
        if quantize not in (None, "none", "int8"):
            raise ArgumentError(1, "quantize: expected 'int8' or None, got %r" % (quantize,))
        options = _LoadOptions()
        _lib.rnnsearch_load_options_init(ctypes.byref(options))
        options.threads = threads
        options.quantize_int8 = quantize == "int8"
        handle, error = ctypes.c_void_p(), _Error()
        status = _lib.rnnsearch_model_load(ctypes.byref(handle), None if path is None else _text(os.fspath(path)),
                                           ctypes.byref(options), ctypes.byref(error))
        if status:
            _raise(status, error)
        self._handle = handle
        self.is_subword = bool(_lib.rnnsearch_model_is_subword(handle))
        self.source_language = _lib.rnnsearch_model_source_language(handle).decode()
        self.target_language = _lib.rnnsearch_model_target_language(handle).decode()

    def translate(self, sentences, beam=5, n_best=1, max_length=256, max_length_factor=3.0, length_penalty=0.6,
                  no_repeat_ngram=0, max_source_tokens=1024, split_sentences=True, replace_unk=False, explain=None,
                  ig_steps=0, batch_size=32, targets=None, occlusion_unit="piece"):
        """Translates a list of sentences (or one str: then one Translation is returned). The options are the
        command line's (--beam, --n-best, ..., --explain=METHODS as a comma string or a list of names);
        targets: forced decoding of these translations (--forced); occlusion_unit: "piece" or "word"
        (--occlusion-unit)."""
        single = isinstance(sentences, (str, bytes))
        if single:
            sentences = [sentences]
            if targets is not None:
                targets = [targets]
        sentences = [_text(s) for s in sentences]
        if targets is not None:
            targets = [_text(t) for t in targets]
            if len(targets) != len(sentences):
                raise ArgumentError(1, "targets: %d for %d sentences" % (len(targets), len(sentences)))
        if self._handle is None:
            raise ArgumentError(1, "the model is closed")
        options = _Options()
        _lib.rnnsearch_options_init(ctypes.byref(options))
        for name, value in (("beam", beam), ("n_best", n_best), ("max_length", max_length),
                            ("no_repeat_ngram", no_repeat_ngram), ("max_source_tokens", max_source_tokens),
                            ("ig_steps", ig_steps), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or not -2**31 <= value < 2**31:
                raise ArgumentError(1, "%s: expected an integer, got %r" % (name, value))
            setattr(options, name, value)
        options.max_length_factor = max_length_factor
        options.length_penalty = length_penalty
        options.split_sentences = bool(split_sentences)
        options.replace_unk = bool(replace_unk)
        options.explain = _methods(explain)
        if occlusion_unit not in ("piece", "word"):
            raise ArgumentError(1, "occlusion_unit: expected 'piece' or 'word', got %r" % (occlusion_unit,))
        options.occlusion_words = occlusion_unit == "word"
        count = len(sentences)
        source_array = (ctypes.c_char_p * count)(*sentences)
        target_array = (ctypes.c_char_p * count)(*targets) if targets is not None else None
        result, error = ctypes.c_void_p(), _Error()
        status = _lib.rnnsearch_translate(self._handle, source_array, target_array, count, ctypes.byref(options),
                                          ctypes.byref(result), ctypes.byref(error))
        if status:
            _raise(status, error)
        try:
            translations = [Translation(result, i) for i in range(count)]
        finally:
            _lib.rnnsearch_result_free(result)
        return translations[0] if single else translations

    def close(self):
        """Frees the model now (else when it is garbage)."""
        # At interpreter exit the module's globals may be gone before the model: then the process frees it.
        if getattr(self, "_handle", None) is not None and _lib is not None:
            _lib.rnnsearch_model_free(self._handle)
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
