"""Which entry a message is asking for, learnt from the pack's own texts and members' asks.

A linear (softmax) classifier over the meaning vectors: every entry is a class, taught by
its own texts and by how members ask for it (bot/asks.py); the pack's "not covered"
messages are one more class, "none". Nearest-neighbour similarity asks "which single text
is closest"; the classifier weighs all of an entry's examples against all of its
neighbours', so it learns what tells twins apart (the schools and SEND versions of a
priority) and what a near-topic question the pack doesn't answer looks like.

Trained at start-up in numpy (1-2 s for the bundled pack on 2 cores, so bot/meaning.py
caches the weights beside the vectors), only when a pack has asks (one example per class
teaches nothing nearest-neighbour doesn't) and isn't larger than LARGEST.
"""
from __future__ import annotations

LARGEST = 2000      # entries: above this the weights would be 384 x 2,000+ classes, not worth it
STEPS = 300
RATE = 0.05
L2 = 1e-3
SCALE = 20.0        # unit vectors give cosines in -1..1: logits are scaled to be able to be sure
VERSION = f"{STEPS}-{RATE}-{L2}-{SCALE}"   # part of the cached weights' name


class Intent:
    def __init__(self, np, w, b):
        self.np, self.w, self.b = np, w, b

    @classmethod
    def train(cls, np, vectors, labels, n_classes: int) -> Intent:
        """vectors: (rows, dim) unit vectors; labels: each row's class (0..n_classes-1)."""
        x = vectors.astype(np.float32)
        y = np.asarray(labels, dtype=np.int64)
        n, d = x.shape
        # every class counts the same whatever its number of examples: no prior for entries
        # that happen to have more asks
        counts = np.bincount(y, minlength=n_classes).astype(np.float32)
        weight = (1.0 / np.maximum(counts, 1.0))[y] * (n / n_classes)
        onehot = np.zeros((n, n_classes), dtype=np.float32)
        onehot[np.arange(n), y] = 1.0
        w = np.zeros((d, n_classes), dtype=np.float32)
        b = np.zeros(n_classes, dtype=np.float32)
        m_w, v_w, m_b, v_b = (np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b))
        for t in range(1, STEPS + 1):   # Adam on the weighted cross-entropy
            z = SCALE * (x @ w) + b
            z -= z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            g = (p - onehot) * weight[:, None] / n
            g_w = SCALE * (x.T @ g) + L2 * w
            g_b = g.sum(0)
            for param, grad, m, v in ((w, g_w, m_w, v_w), (b, g_b, m_b, v_b)):
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                param -= RATE * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        return cls(np, w, b)

    def probabilities(self, vector):
        """Each class's chance for one unit vector (the last class: none, when trained with it)."""
        np = self.np
        z = SCALE * (vector @ self.w) + self.b
        z = np.exp(z - z.max())
        return z / z.sum()
