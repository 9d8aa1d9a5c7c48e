"""Compares two rnnsearch JSONL outputs (spec section 3) with tolerances: the parity tests' yardstick."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(HERE, "fixtures")


def manifest():
    with open(os.path.join(FIXTURES, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)["fixtures"]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def is_empty_result(line):
    """Output for an input line without tokens: an empty line, or an object with no source and nothing
    translated (the reference writes one empty hypothesis)."""
    if line.strip() == "":
        return True
    obj = json.loads(line)
    return obj.get("source") == [] and all(h.get("tokens") == [] for h in obj.get("hypotheses", []))


def compare(expected_lines, got_lines, score_tol=1e-4, attention_tol=1e-5, attention=True):
    """Differences between expected and got JSONL lines, as readable strings (empty list: they agree)."""
    problems = []
    if len(expected_lines) != len(got_lines):
        return [f"{len(got_lines)} output lines, expected {len(expected_lines)}"]
    for n, (e_line, g_line) in enumerate(zip(expected_lines, got_lines)):
        where = f"line {n + 1}"
        e = json.loads(e_line)
        if not e["source"]:
            try:
                if not is_empty_result(g_line):
                    problems.append(f"{where}: input without tokens gave {g_line[:200]}")
            except ValueError as err:
                problems.append(f"{where}: not JSON: {err}")
            continue
        try:
            g = json.loads(g_line)
        except ValueError as err:
            problems.append(f"{where}: not JSON: {err}: {g_line[:200]}")
            continue
        if g.get("id") != e["id"]:
            problems.append(f"{where}: id {g.get('id')}, expected {e['id']}")
        if g.get("source") != e["source"]:
            problems.append(f"{where}: source {g.get('source')}, expected {e['source']}")
            continue
        e_hyps, g_hyps = e["hypotheses"], g.get("hypotheses", [])
        if len(e_hyps) != len(g_hyps):
            problems.append(f"{where}: {len(g_hyps)} hypotheses, expected {len(e_hyps)}")
            continue
        for k, (eh, gh) in enumerate(zip(e_hyps, g_hyps)):
            at = f"{where} hypothesis {k}"
            if gh.get("tokens") != eh["tokens"]:
                problems.append(f"{at}: tokens {gh.get('tokens')}, expected {eh['tokens']}")
                continue
            if gh.get("text") != eh["text"]:
                problems.append(f"{at}: text {gh.get('text')!r}, expected {eh['text']!r}")
            for key in ("score", "normalized_score"):
                if key not in gh:
                    if key == "score":
                        problems.append(f"{at}: no score")
                    continue
                if not abs(gh[key] - eh[key]) <= score_tol:
                    problems.append(f"{at}: {key} {gh[key]}, expected {eh[key]}")
            if not attention:
                continue
            ea, ga = eh["attention"], gh.get("attention")
            if ga is None or len(ga) != len(ea) or any(len(r) != len(s) for r, s in zip(ga, ea)):
                shape = None if ga is None else [len(r) for r in ga]
                problems.append(f"{at}: attention shape {shape}, expected {[len(r) for r in ea]}")
                continue
            worst = max((abs(x - y) for r, s in zip(ga, ea) for x, y in zip(r, s)), default=0.0)
            if not worst <= attention_tol:
                problems.append(f"{at}: attention differs by {worst:.3g}")
    return problems
