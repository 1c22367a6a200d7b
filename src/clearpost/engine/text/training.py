"""Trains the learned layer (`learned.py`) from the repository's labelled corpora.

    .venv/bin/python -m clearpost.engine.text.training            # writes data/learned.json
    .venv/bin/python -m clearpost.engine.text.training --report   # folds only, writes nothing

Deterministic: the same corpora give byte-identical JSON (fixed folds, full-batch
gradient descent from zeros, no randomness). Only the development set, held-out sets 1-5
and `learned_dev.txt` (written for this layer) are read; the blind sets are never
training data (a test pins TRAINING_SETS).

Each category is a weighted logistic regression (L2) over the features of
`learned.features`, on texts of the kinds the category applies to. Its threshold is
chosen on out-of-fold scores, leaving one corpus file out at a time (so a threshold is
set on text the model did not see, written by another writer), to maximise F1 with
precision weighted double (F0.5): a learned finding that is wrong costs a practice's
trust more than one the rules would also miss.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clearpost.engine.text.evaluation import CORPUS_DIR, Example, load_corpus
from clearpost.engine.text.learned import MODEL_FILE, TARGETS, features, mask_spans
from clearpost.engine.text.model import Category

TRAINING_SETS = (
    "dev.jsonl",
    "holdout.jsonl",
    "holdout2.jsonl",
    "holdout3.jsonl",
    "holdout4.jsonl",
    "holdout5.jsonl",
    "learned_dev.jsonl",
)
OUT = Path(__file__).resolve().parent / "data" / MODEL_FILE
MIN_DF = 2
L2 = 0.01
STEPS = 400
LR = 0.5
PRUNE = 0.005
CHAR_GRAMS = True


def training_examples(sets: Sequence[str] = TRAINING_SETS) -> list[tuple[str, Example]]:
    return [(name, ex) for name in sets for ex in load_corpus(CORPUS_DIR / name)]


def featurize(ex: Example) -> list[str]:
    spans = [(Category(c), s, e) for c, s, e in ex.spans]
    masked, _ = mask_spans(ex.text, spans)
    return sorted({f.name for f in features(masked, ex.kind, CHAR_GRAMS)})


def _fit(rows: list[list[str]], y: np.ndarray) -> tuple[float, dict[str, float]]:
    """Weighted L2 logistic regression by full-batch gradient descent (deterministic)."""
    df: dict[str, int] = {}
    for r in rows:
        for f in r:
            df[f] = df.get(f, 0) + 1
    vocab = sorted(f for f, n in df.items() if n >= MIN_DF)
    index = {f: i for i, f in enumerate(vocab)}
    ri: list[int] = []
    ci: list[int] = []
    for r_no, r in enumerate(rows):
        for f in r:
            j = index.get(f)
            if j is not None:
                ri.append(r_no)
                ci.append(j)
    rr, cc = np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64)
    n, d = len(rows), len(vocab)
    pos = max(1.0, float(y.sum()))
    neg = max(1.0, float(n - y.sum()))
    sw = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    w = np.zeros(d)
    b = 0.0
    # Adam on the full batch: converges in a few hundred steps, no randomness.
    mw, vw, mb, vb = np.zeros(d), np.zeros(d), 0.0, 0.0
    for t in range(1, STEPS + 1):
        z = np.bincount(rr, weights=w[cc], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = sw * (p - y) / n
        gw = np.bincount(cc, weights=g[rr], minlength=d) + L2 * w
        gb = float(g.sum())
        mw = 0.9 * mw + 0.1 * gw
        vw = 0.999 * vw + 0.001 * gw * gw
        mb = 0.9 * mb + 0.1 * gb
        vb = 0.999 * vb + 0.001 * gb * gb
        lr = LR * 0.1 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        w -= lr * mw / (np.sqrt(vw) + 1e-8)
        b -= float(lr * mb / (np.sqrt(vb) + 1e-8))
    weights = {f: round(float(w[i]), 4) for i, f in enumerate(vocab) if abs(w[i]) >= PRUNE}
    return round(b, 4), weights


def _predict(bias: float, weights: dict[str, float], row: list[str]) -> float:
    z = bias + sum(weights.get(f, 0.0) for f in row)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _best_threshold(scores: list[float], gold: list[bool]) -> tuple[float, dict[str, float]]:
    best = (0.0, 0.95, {"precision": 1.0, "recall": 0.0})
    for t in [x / 100 for x in range(30, 96)]:
        tp = sum(s >= t and g for s, g in zip(scores, gold, strict=True))
        fp = sum(s >= t and not g for s, g in zip(scores, gold, strict=True))
        fn = sum(s < t and g for s, g in zip(scores, gold, strict=True))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        if f > best[0] + 1e-9:
            best = (f, t, {"precision": round(p, 3), "recall": round(r, 3)})
    return best[1], best[2]


def train(sets: Sequence[str] = TRAINING_SETS) -> dict[str, Any]:
    data = training_examples(sets)
    rows = [featurize(ex) for _, ex in data]
    out: dict[str, Any] = {
        "version": "1",
        "char_grams": CHAR_GRAMS,
        "trained_on": list(sets),
        "categories": {},
    }
    for cat, (kinds, _) in TARGETS.items():
        idx = [i for i, (_, ex) in enumerate(data) if ex.kind in kinds]
        y_all = np.array([float(str(cat) in data[i][1].categories) for i in idx])
        oof: list[float] = []
        gold: list[bool] = []
        for held in sets:
            tr = [k for k, i in enumerate(idx) if data[i][0] != held]
            te = [k for k, i in enumerate(idx) if data[i][0] == held]
            if not te or y_all[tr].sum() == 0:
                continue
            b, w = _fit([rows[idx[k]] for k in tr], y_all[tr])
            oof.extend(_predict(b, w, rows[idx[k]]) for k in te)
            gold.extend(bool(y_all[k]) for k in te)
        threshold, fold = _best_threshold(oof, gold)
        bias, weights = _fit([rows[i] for i in idx], y_all)
        out["categories"][str(cat)] = {
            "threshold": threshold,
            "folds": {**fold, "positives": int(sum(gold)), "texts": len(gold)},
            "bias": bias,
            "weights": dict(sorted(weights.items())),
        }
    return out


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--report", action="store_true", help="print fold figures only")
    args = parser.parse_args(argv)
    model = train()
    for cat, m in model["categories"].items():
        f = m["folds"]
        print(
            f"{cat:34} threshold {m['threshold']:.2f}  leave-one-set-out P {f['precision']:.3f} "
            f"R {f['recall']:.3f} ({f['positives']} of {f['texts']})  weights {len(m['weights'])}"
        )
    if not args.report:
        OUT.write_text(render(model), encoding="utf-8")
        print(f"wrote {OUT.name} ({OUT.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
