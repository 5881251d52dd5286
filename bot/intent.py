"""Which entry a message is asking for, learnt from the pack's own texts and members' asks.

A linear (softmax) classifier over the meaning vectors: every entry is a class, taught by
its own texts and by how members ask for it (bot/asks.py); the pack's "not covered"
messages are one more class, "none". Nearest-neighbour similarity asks "which single text
is closest"; the classifier weighs all of an entry's examples against all of its
neighbours', so it learns what tells twins apart (the schools and SEND versions of a
priority) and what a near-topic question the pack doesn't answer looks like.

The same classifier is trained a second time over words (WordIntent: each text a sparse
TF-IDF vector of its stemmed words and word pairs). The two disagree usefully: the sentence
embedding blurs the one telling detail of a member's story ("deep-dived", "mocks", "our TAs"),
which a word weighs as the entry's own examples taught it. Alone, on dev v2's questions with an
answer, words pick the right entry first for 0.82 of them and meaning for 0.71; the blend reads both.

Trained at start-up in numpy (1-2 s over meaning vectors, ~12 s over words for the bundled pack
on 2 cores, so bot/meaning.py caches both sets of weights beside the vectors), only when a pack
has asks (one example per class teaches nothing nearest-neighbour doesn't) and isn't larger
than LARGEST.
"""
from __future__ import annotations

import hashlib

from bot.normalise import STOPWORDS, stem, words

LARGEST = 2000      # entries: above this the weights would be 384 x 2,000+ classes, not worth it
# terms x classes: above this the classifier over words isn't trained (its weights and Adam's
# state are ~6 arrays of this many floats; the bundled pack: 14,700 terms x 96 classes = 1.4 M,
# ~12 s to train on 2 cores), and bot/blend.py weighs the pack with its plain weights
WORD_LARGEST = 4_000_000
STEPS = 300
RATE = 0.05
L2 = 1e-3
SCALE = 20.0        # unit vectors give cosines in -1..1: logits are scaled to be able to be sure
VERSION = f"{STEPS}-{RATE}-{L2}-{SCALE}-blas1"   # part of the cached weights' name (blas1: trained on one
                                                # BLAS thread; bot/meaning.py's _one_blas_thread)
WORD_STEPS = 100    # over words: as good at 100 steps as at 300 (alone, dev v2 top-1 0.82 at both), 3x faster
WORD_VERSION = f"{WORD_STEPS}-{RATE}-{L2}-{SCALE}-blas1"


class Intent:
    def __init__(self, np, w, b):
        self.np, self.w, self.b = np, w, b

    @classmethod
    def train(cls, np, vectors, labels, n_classes: int) -> Intent:
        """vectors: (rows, dim) unit vectors; labels: each row's class (0..n_classes-1)."""
        x = vectors.astype(np.float32)
        return cls(np, *_fit(np, lambda w: x @ w, lambda g: x.T @ g, x.shape[1], labels, n_classes))

    def probabilities(self, vector):
        """Each class's chance for one unit vector (the last class: none, when trained with it)."""
        return _softmax(self.np, SCALE * (vector @ self.w) + self.b)


class Vocabulary:
    """The terms of the texts a classifier over words is taught on (stemmed words, stopwords
    left out, and pairs of neighbouring words) with their IDF: how a text becomes a sparse
    unit vector. `context`: phrases left out wherever they occur (the consultation's own name,
    bot/search.py). Built from the texts, the context and the tokeniser alone: `fingerprint`
    names all three, so cached weights are only read back for the same columns."""

    def __init__(self, np, texts: list[str], context: tuple[tuple[str, ...], ...] = ()):
        self.np, self.context = np, context
        df: dict[str, int] = {}
        for text in texts:
            for t in self._terms(text):
                df[t] = df.get(t, 0) + 1
        self.columns = {t: i for i, t in enumerate(sorted(df))}
        counts = np.asarray([df[t] for t in sorted(df)], dtype=np.float32)
        self.idf = np.log((1.0 + len(texts)) / (1.0 + counts)) + 1.0
        self.unseen = float(np.log(1.0 + len(texts)) + 1.0)   # the IDF of a term no text uses
        digest = hashlib.sha256("\n".join(self.columns).encode("utf-8"))
        self.fingerprint = digest.hexdigest()[:16]

    def _terms(self, text: str) -> dict[str, int]:
        return _terms(text, self.context)

    def __len__(self) -> int:
        return len(self.columns)

    def vector(self, text: str):
        """The text's known terms as (columns, values): sublinear TF times IDF, at unit length."""
        np = self.np
        terms = self._terms(text)
        known = [(self.columns[t], n) for t, n in terms.items() if t in self.columns]
        cols = np.asarray([c for c, _ in known], dtype=np.int64)
        vals = np.sqrt(np.asarray([n for _, n in known], dtype=np.float32)) * self.idf[cols]
        # terms the texts never use (words, or pairs of known words never seen side by side) count
        # in the length as the rarest do: "does the survey cover car parking for staff" is mostly
        # about something no entry mentions, not only "staff"
        unknown = sum(n for t, n in terms.items() if t not in self.columns) * self.unseen ** 2
        norm = float(np.sqrt((vals * vals).sum() + unknown))
        return cols, (vals / norm if norm else vals).astype(np.float32)


class WordIntent:
    """The same classifier over words instead of meaning vectors: each text a sparse TF-IDF
    unit vector (Vocabulary). Words carry what a sentence embedding blurs: a member's "deep
    dive", "mocks" or "TAs" points at one entry as surely as the entry's own wording would."""

    def __init__(self, vocabulary: Vocabulary, w, b):
        self.vocabulary, self.w, self.b = vocabulary, w, b

    @classmethod
    def train(cls, vocabulary: Vocabulary, texts: list[str], labels, n_classes: int) -> WordIntent:
        np = vocabulary.np
        rows = [vocabulary.vector(t) for t in texts]
        keep = [i for i, (cols, _) in enumerate(rows) if len(cols)]   # a text of stopwords alone teaches nothing
        sizes = [len(rows[i][0]) for i in keep]
        cols = np.concatenate([rows[i][0] for i in keep])
        vals = np.concatenate([rows[i][1] for i in keep])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        # the transpose's product: the same values grouped by column
        by_col = np.argsort(cols, kind="stable")
        col_starts = np.flatnonzero(np.r_[True, cols[by_col][1:] != cols[by_col][:-1]])
        used, row_of = cols[by_col][col_starts], np.repeat(np.arange(len(keep)), sizes)[by_col]

        def forward(w):
            return np.add.reduceat(w[cols] * vals[:, None], starts, axis=0)

        def backward(g):
            out = np.zeros((len(vocabulary), g.shape[1]), dtype=np.float32)
            out[used] = np.add.reduceat(g[row_of] * vals[by_col, None], col_starts, axis=0)
            return out

        labels = np.asarray(labels)[keep]
        return cls(vocabulary, *_fit(np, forward, backward, len(vocabulary), labels, n_classes, WORD_STEPS))

    def probabilities(self, text: str):
        """Each class's chance for one message (the last class: none, when trained with it)."""
        cols, vals = self.vocabulary.vector(text)
        return _softmax(self.vocabulary.np, SCALE * (vals @ self.w[cols]) + self.b)


def _terms(text: str, context: tuple[tuple[str, ...], ...] = ()) -> dict[str, int]:
    """A text's stemmed words (stopwords and the `context` phrases left out) and pairs of
    neighbouring words, counted."""
    ws = [w for w in words(text) if w not in STOPWORDS]
    for phrase in context:
        n, i, kept = len(phrase), 0, []
        while i < len(ws):
            if n and tuple(ws[i:i + n]) == phrase:
                i += n
            else:
                kept.append(ws[i])
                i += 1
        ws = kept
    ws = [stem(w) for w in ws]
    out: dict[str, int] = {}
    for t in ws + [f"{a} {b}" for a, b in zip(ws, ws[1:])]:
        out[t] = out.get(t, 0) + 1
    return out


def _softmax(np, z):
    z = np.exp(z - z.max())
    return z / z.sum()


def _fit(np, forward, backward, d: int, labels, n_classes: int, steps: int = STEPS):
    """A softmax classifier's weights (d, n_classes) and biases, by Adam on the weighted
    cross-entropy. forward(w): the rows' products with w; backward(g): the rows' transpose times g."""
    y = np.asarray(labels, dtype=np.int64)
    n = len(y)
    # every class counts the same whatever its number of examples: no prior for entries
    # that happen to have more asks
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    weight = (1.0 / np.maximum(counts, 1.0))[y] * (n / n_classes)
    onehot = np.zeros((n, n_classes), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    w = np.zeros((d, n_classes), dtype=np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
    for t in range(1, steps + 1):
        z = SCALE * forward(w) + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) * weight[:, None] / n
        g_w = SCALE * backward(g) + L2 * w
        g_b = g.sum(0)
        for param, grad, m, v in ((w, g_w, m_w, v_w), (b, g_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= RATE * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w, b
