"""Fits bot/blend.py's CONFIDENCE_WEIGHTS: a logistic model of "the first result is right"
(off-topic questions: never right) on the two dev sets, with the blend's own features.

    .venv/bin/python scripts/fit_blend.py            # prints the weights to paste into bot/blend.py

The proxy and blind sets in tests/data are held out: they only measure the result.
"""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import blend  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.evaluate import _flat, load_questions  # noqa: E402
from bot.normalise import words  # noqa: E402
from bot.replies import shown_quotes  # noqa: E402
from bot.search import MEANING_CANDIDATES, load_index  # noqa: E402
from bot.structure import find_target  # noqa: E402

DEV = [ROOT.parent / "shared" / "eval" / name for name in ("dev_questions.yaml", "dev_questions_v2.yaml")]


def rows(index, path):
    quotes = [_flat(" ".join(shown_quotes(e, index.pack))) for e in index.entries]
    for item in load_questions(str(path)):
        q, expect = str(item["q"]), [_flat(p) for p in item.get("expect") or []]
        folded = words(q)
        terms, off = index._analyse(folded)
        if not terms:
            continue
        meaning, nearest = index.meaning.closest(q, MEANING_CANDIDATES)
        target = find_target(folded, index.pack)
        if target.exact:
            continue   # structure decides those, not the model
        lexical = index.lexical_scores(terms, off, folded, set(target.entries) | set(nearest))
        ranked = blend.blend_scores(lexical, meaning, target, index.entries, nearest)
        if not ranked:
            continue
        right = bool(expect) and any(p in quotes[ranked[0][0]] for p in expect)
        yield blend.features(ranked, lexical, meaning[nearest[0]], off, index.entries), right


def main():
    index = load_index(load_config(ROOT / "app.yaml"))
    data = [r for path in DEV for r in rows(index, path)]
    x = np.array([f for f, _ in data])
    y = np.array([ok for _, ok in data], dtype=float)
    mu, sd = x.mean(0), x.std(0)
    mu[0], sd[0] = 0.0, 1.0
    sd[sd == 0] = 1.0
    xn = (x - mu) / sd
    w = np.zeros(x.shape[1])
    for _ in range(5000):   # plain gradient descent with a little L2: 7 weights, ~200 rows
        p = 1 / (1 + np.exp(-xn @ w))
        w -= 0.5 * (xn.T @ (p - y) / len(y) + 0.01 * w)
    raw = w / sd
    raw[0] = w[0] - (raw[1:] * mu[1:]).sum()
    print(f"{len(y)} rows, {int(y.sum())} right first results")
    print("CONFIDENCE_WEIGHTS = (" + ", ".join(f"{v:.2f}" for v in raw) + ")")


if __name__ == "__main__":
    main()
