"""Late interaction: a question's words against an entry's words, each read in context.

A sentence vector is one average: a member's story about "eighteen months of mocks, book
looks and drop-ins" comes out near every entry about inspection. Here each content token of
the question (its MiniLM state, so "mocks" in that sentence, not the word alone) finds its
closest token among an entry's texts and members' asks; the entry's score is the average of
those closest cosines, each token weighted by how rare it is among the texts (ColBERT's
MaxSim, over the model we already run: no training, no second model). One telling word that
an entry or its asks share then counts, without the word being spelt the same.

Built in the forward pass that embeds the pack (bot/meaning.py; on its own when only the
vectors were cached), and cached beside its vectors. No Slack, no search: numpy arrays in, a
score per entry out.
"""
from __future__ import annotations

# contextual cosines between any two content tokens sit well above 0: this counts as none
LATE_ZERO = 0.3


class Tokens:
    """Every entry's content tokens as unit vectors (rows of one matrix, an entry's rows
    together, `starts[e]` to `ends[e]`) and each token id's IDF among the texts."""

    def __init__(self, np, matrix, starts, idf):
        self.np, self.matrix, self.starts, self.idf = np, matrix, starts, idf
        self.ends = np.append(starts[1:], len(matrix))

    @classmethod
    def build(cls, np, content, owners, n_entries: int, dim: int, vocab: int) -> Tokens:
        """content: each text's (token ids, unit vectors); owners: each text's entry. An entry
        with no content token gets one zero row (its score is then 0, not its neighbour's)."""
        rows = [[] for _ in range(n_entries)]
        df = np.zeros(vocab, dtype=np.float32)
        for (ids, vectors), e in zip(content, owners):
            if len(ids):
                rows[e].append(vectors)
                df[np.unique(ids)] += 1
        blocks = [np.concatenate(r) if r else np.zeros((1, dim), dtype=np.float32) for r in rows]
        starts = np.concatenate([[0], np.cumsum([len(b) for b in blocks])[:-1]]).astype(np.int64)
        # rounded to half precision, as cached (18 MB on disk for the bundled pack), so a cold
        # build and a cached one hold the same values; single precision in memory (36 MB):
        # converting each candidate's rows per question cost ~6 ms at p95
        matrix = np.concatenate(blocks).astype(np.float16).astype(np.float32)
        # a token in few texts tells more; one in none (only the question has it) tells most
        idf = np.log((len(content) + 1.0) / (1.0 + df)).astype(np.float32)
        return cls(np, matrix, starts, idf)

    def scores(self, ids, vectors) -> Scores:
        """The entries' scores for a question's content tokens (all 0 when it has none), each
        computed when first asked for: a question is ranked over ~20 candidates, and scoring
        every entry's tokens would cost ~5 ms on the bundled pack."""
        return Scores(self, ids, vectors)

    def arrays(self) -> dict:
        return {"matrix": self.matrix.astype(self.np.float16), "starts": self.starts, "idf": self.idf}

    @classmethod
    def from_arrays(cls, np, f, n_entries: int, dim: int, vocab: int) -> Tokens | None:
        """Read back from `arrays()`; None unless it fits this pack and model."""
        matrix, starts, idf = f["matrix"], f["starts"], f["idf"]
        if (matrix.dtype != np.float16 or matrix.ndim != 2 or matrix.shape[1] != dim or starts.shape != (n_entries,)
                or idf.shape != (vocab,) or (n_entries and (starts[0] != 0 or (np.diff(starts) <= 0).any()
                                                            or starts[-1] >= len(matrix)))):
            return None
        return cls(np, matrix.astype(np.float32), starts, idf)


class Scores:
    """An entry's late-interaction score, by index (`scores[e]`): the IDF-weighted average,
    over the question's content tokens, of each one's closest cosine among the entry's tokens."""

    def __init__(self, tokens: Tokens, ids, vectors):
        self.tokens, self.vectors = tokens, vectors
        weight = tokens.idf[ids]
        self.weight = weight / max(float(weight.sum()), 1e-12)
        self.known: dict[int, float] = {}

    def __getitem__(self, e: int) -> float:
        if e not in self.known:
            t = self.tokens
            block = t.matrix[t.starts[e]:t.ends[e]]
            # (entry tokens, question tokens): the same products as vectors @ block.T, ~30%
            # faster with the entry's many rows as OpenBLAS's packed operand
            self.known[e] = float(self.weight @ (block @ self.vectors.T).max(0))
        return self.known[e]

    def __len__(self) -> int:
        return len(self.tokens.starts)

    def all(self) -> list[float]:
        """Every entry's score (tests and tools; the search asks for its candidates only)."""
        return [self[e] for e in range(len(self))]
