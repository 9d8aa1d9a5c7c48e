"""Answers of slow Python references (PyTorch autograd, python3-sentencepiece) kept between runs in
build/test-cache, keyed by a hash of everything the answer depends on: its inputs, the source files that compute
it and the library's version. `make test` computes them; `make check-asan`, which asks the same questions of
another build, and later runs read them. A test still compares the C output with the reference's answer;
only the reference is not recomputed. RNNSEARCH_TEST_CACHE names another folder; "off" computes every time."""
import hashlib
import json
import os
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def folder():
    setting = os.environ.get("RNNSEARCH_TEST_CACHE", "")
    return None if setting == "off" else setting or os.path.join(ROOT, "build", "test-cache")


def key(*parts):
    """A hex digest of parts: bytes, str, or ("file", path) for a file's content."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, tuple) and part[0] == "file":
            with open(part[1], "rb") as f:
                part = f.read()
        elif isinstance(part, str):
            part = part.encode("utf-8")
        elif not isinstance(part, bytes):
            part = json.dumps(part, sort_keys=True).encode("utf-8")
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()


def get(kind, digest):
    """The JSON value stored under kind and digest, or None."""
    where = folder()
    if where is None:
        return None
    try:
        with open(os.path.join(where, f"{kind}-{digest}.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def put(kind, digest, value):
    """Stores value (JSON); suites running at the same time may store the same key: the last rename wins."""
    where = folder()
    if where is None:
        return
    try:
        os.makedirs(where, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=where, suffix=".tmp", delete=False, encoding="utf-8") as f:
            json.dump(value, f)
        os.replace(f.name, os.path.join(where, f"{kind}-{digest}.json"))
    except OSError:
        pass  # a read-only tree: the reference is computed again next time


def cached(kind, parts, compute):
    """compute()'s value, from the cache when parts are the same as when it was stored."""
    digest = key(*parts)
    value = get(kind, digest)
    if value is None:
        value = compute()
        put(kind, digest, value)
    return value
