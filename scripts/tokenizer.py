"""The rnnsearch tokenizer, as README.md "Tokenizer" defines it; the C engine (src/engine/tokenizer.c) does the same."""
import unicodedata

KEYS = ("lowercase", "fold_accents", "split_punctuation", "split_elision", "capitalize")
APOSTROPHES = "'\u2019"
HYPHENS = "-\u2010\u2011"
NUMBER_JOINERS = ".,:\u066b\u066c"
NO_SPACE_BEFORE = set(". , ! ? ; : % ) ] } \u00bb \u201d \u2019 \u2026 \u060c \u061b \u061f".split())
NO_SPACE_AFTER = set("( [ { \u00ab \u201c \u00bf \u00a1 \u201e \u2018".split())


def side_options(config, side):
    """The effective options of one side ('source' or 'target') of a model's tokenizer object."""
    config = config or {}
    for key in config:
        if key not in KEYS + ("source", "target"):
            raise ValueError(f"tokenizer: unknown key {key!r}")
    options = {}
    for key in KEYS:
        value = config.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"tokenizer.{key}: expected true or false")
        options[key] = bool(value)
    override = config.get(side) or {}
    for key, value in override.items():
        if key not in KEYS:
            raise ValueError(f"tokenizer.{side}.{key}: unknown key")
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"tokenizer.{side}.{key}: expected true or false")
        options[key] = bool(value)
    return options


def lower_char(c):
    low = c.lower()
    return low if len(low) == 1 else c


def upper_char(c):
    up = c.upper()
    return up if len(up) == 1 else c


def fold_char(c):
    return "".join(d for d in unicodedata.normalize("NFD", c) if unicodedata.category(d) != "Mn")


def is_separator(c):
    return c.isspace() or unicodedata.category(c) == "Cc" or c == "\ufeff"


def is_punct(c):
    return unicodedata.category(c)[0] in "PS"


def is_word(c):
    cat = unicodedata.category(c)
    return cat[0] in "LMN" or cat == "Cf"


def is_digit(c):
    return unicodedata.category(c) == "Nd"


def split_chunk(chunk, elision):
    tokens, word = [], []
    n = len(chunk)
    for i, c in enumerate(chunk):
        if not is_punct(c):
            word.append(c)
            continue
        before = chunk[i - 1] if i > 0 else ""
        after = chunk[i + 1] if i + 1 < n else ""
        if (c in APOSTROPHES or c in HYPHENS) and before and after and is_word(before) and is_word(after):
            word.append(c)
            if elision and c in APOSTROPHES:
                tokens.append("".join(word))
                word = []
            continue
        if c in NUMBER_JOINERS and before and after and is_digit(before) and is_digit(after):
            word.append(c)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        tokens.append(c)
    if word:
        tokens.append("".join(word))
    return tokens


def tokenize(line, options):
    """Tokens of one line (str or bytes) under one side's options."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    if options["lowercase"]:
        line = "".join(lower_char(c) for c in line)
    if options["fold_accents"]:
        line = "".join(fold_char(c) for c in line)
    chunks, current = [], []
    for c in line:
        if is_separator(c):
            if current:
                chunks.append("".join(current))
                current = []
        else:
            current.append(c)
    if current:
        chunks.append("".join(current))
    if not options["split_punctuation"]:
        return chunks
    tokens = []
    for chunk in chunks:
        tokens.extend(split_chunk(chunk, options["split_elision"]))
    return tokens


def detokenize(tokens, options):
    if not options["split_punctuation"]:
        text = " ".join(tokens)
    else:
        out = []
        glue_next = False
        quotes = 0
        for token in tokens:
            glue = glue_next or not out
            glue_next = False
            if token in NO_SPACE_BEFORE:
                glue = True
            if token in NO_SPACE_AFTER:
                glue_next = True
            if token == '"':
                quotes += 1
                if quotes % 2 == 1:
                    glue_next = True
                else:
                    glue = True
            if options["split_elision"] and len(token) > 1 and token[-1] in APOSTROPHES:
                glue_next = True
            if out and not glue:
                out.append(" ")
            out.append(token)
        text = "".join(out)
    if options["capitalize"] and text:
        text = upper_char(text[0]) + text[1:]
    return text
