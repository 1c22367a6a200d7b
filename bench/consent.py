"""Consent engine throughput: checks per second through the function and the JSONL CLI.

No reference tool decides HIPAA 164.508 authorization coverage, so there is nothing to
run side by side; the baseline is the floor any JSONL tool pays: decoding and
re-encoding the same lines with the standard library's `json`, in-process and as a
subprocess. The ratio to that floor shows what the rules themselves cost.
"""

from __future__ import annotations

import copy
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from clearpost.engine.consent.check import check
from clearpost.engine.consent.model import parse_case
from clearpost.engine.consent.template_lint import lint_template
from clearpost.engine.consent.templates import DEFAULT_TEMPLATE
from clearpost.engine.consent.tests.cases import base_case

N_CASES = 10_000
SEED = 20260301

# The same valid release the table-driven tests start from; each case varies it.
_BASE: dict[str, Any] = base_case()

_PLATFORMS = ["instagram", "facebook", "tiktok", "youtube", "x", "website"]
_REGIONS = ["face", "neck", "breast", "abdomen", "arms", "legs", "back"]


def make_cases(n: int = N_CASES, seed: int = SEED) -> list[dict[str, Any]]:
    """A reproducible mix of covered and defective cases."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    cases = []
    for i in range(n):
        case = copy.deepcopy(_BASE)
        a, u = case["authorization"], case["use"]
        a["id"] = f"auth-{i}"
        u["platform"] = rng.choice(_PLATFORMS)
        u["body_regions"] = rng.sample(_REGIONS, rng.randint(0, 2))
        u["shows_face"] = rng.random() < 0.2
        u["at"] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00+01:00"
        if rng.random() < 0.1:
            a["revoked_at"] = "2026-06-01T00:00:00Z"
        if rng.random() < 0.1:
            a["elements"]["expires_on"] = None
            a["elements"]["expiration_event"] = rng.choice(["never", "end of campaign"])
        if rng.random() < 0.1:
            a["patient"]["birth_date"] = "2010-05-05"
        if rng.random() < 0.05:
            a["elements"]["copy_given_at"] = None
        case["id"] = i
        cases.append(case)
    return cases


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _subprocess(args: list[str], data: bytes) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, input=data, capture_output=True, check=False)  # noqa: S603
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))
    return elapsed


_FLOOR = (
    "import sys, json\n"
    "out = sys.stdout\n"
    "for line in sys.stdin.buffer:\n"
    "    out.write(json.dumps(json.loads(line)) + '\\n')\n"
)


def main(out_dir: Path) -> str:
    cases = make_cases()
    lines = [json.dumps(c) for c in cases]
    data = ("\n".join(lines) + "\n").encode()
    (out_dir / "consent_cases.jsonl").write_bytes(data)

    covered = 0

    def run_function() -> None:
        nonlocal covered
        covered = 0
        for line in lines:
            obj = json.loads(line)
            authorization, use = parse_case(obj)
            covered += check(authorization, use, practice_tz="America/New_York").covered

    def run_floor() -> None:
        for line in lines:
            json.dumps(json.loads(line))

    fn_s = min(_timed(run_function) for _ in range(3))
    floor_s = min(_timed(run_floor) for _ in range(3))
    cli = [sys.executable, "-m", "clearpost", "check-consent", "--jsonl"]
    cli += ["--tz", "America/New_York"]
    cli_s = min(_subprocess(cli, data) for _ in range(2))
    floor_cli_s = min(_subprocess([sys.executable, "-c", _FLOOR], data) for _ in range(2))
    lint_n = 20
    lint_template(DEFAULT_TEMPLATE)  # warm-up: loads textstat once
    lint_s = _timed(lambda: [lint_template(DEFAULT_TEMPLATE) for _ in range(lint_n)])

    n = len(cases)
    rows = [
        ("parse + check, in process", fn_s, "json.loads + json.dumps, in process", floor_s),
        ("`clearpost check-consent --jsonl`", cli_s, "`python -c` json round trip", floor_cli_s),
    ]
    table = "\n".join(
        f"| {name} | {_rate(n, s):,.0f} | {ref} | {_rate(n, r):,.0f} | {s / r:.1f}x |"
        for name, s, ref, r in rows
    )
    return f"""## Consent engine (`check-consent`)

{n:,} generated cases (seed {SEED}; {covered:,} covered, the rest with one or more
reasons), practice time zone America/New_York. Best of 3 in process, best of 2 for the
subprocess (which includes interpreter start-up). Python {platform.python_version()}.

| ClearPost | cases/s | baseline (JSON decode + encode only) | cases/s | ClearPost time / baseline |
|---|---:|---|---:|---:|
{table}

No reference tool decides HIPAA authorization coverage (Presidio, scrubadub and the
like find PHI in text; they do not read releases), so the baseline is the cost floor
of reading and writing the same JSONL. Template lint of the default release:
{_rate(lint_n, lint_s):,.1f} templates/s (after a one-time textstat/NLTK import).

Reproduce: `.venv/bin/python -m bench consent`
"""
