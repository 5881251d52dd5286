"""Late interaction: a question's words against an entry's words, each read in context.

A sentence vector is one average: a member's story about "eighteen months of mocks, book
looks and drop-ins" comes out near every entry about inspection. Here each content token of
the question (its MiniLM state, so "mocks" in that sentence, not the word alone) finds its
closest token among an entry's texts and members' asks; the entry's score is the average of
those closest cosines, each token weighted by how rare it is among the texts (ColBERT's
MaxSim, over the model we already run: no training, no second model). One telling word that
an entry or its asks share then counts, without the word being spelt the same.

Built from the same forward pass that embeds the pack (bot/meaning.py), and cached beside its
vectors. No Slack, no search: numpy arrays in, a score per entry out.
"""
from __future__ import annotations

# contextual cosines between any two content tokens sit well above 0: this counts as none
LATE_ZERO = 0.3


class Tokens:
    """Every entry's content tokens as unit vectors (rows of one matrix, an entry's rows
    together) and how many texts each token id occurs in."""

    def __init__(self, np, matrix, starts, df, n_texts: int):
        self.np, self.matrix, self.starts = np, matrix, starts
        # a token in few texts tells more; one in none (only the question has it) tells most
        self.idf = np.log((n_texts + 1.0) / (1.0 + df)).astype(np.float32)

    @classmethod
    def build(cls, np, content, owners, n_entries: int, vocab: int) -> Tokens:
        """content: each text's (token ids, unit vectors); owners: each text's entry. An entry
        with no content token gets one zero row (its score is then 0, not its neighbour's)."""
        dim = next((v.shape[1] for _, v in content if len(v)), 0)
        rows = [[] for _ in range(n_entries)]
        df = np.zeros(vocab, dtype=np.float32)
        for (ids, vectors), e in zip(content, owners):
            if len(ids):
                rows[e].append(vectors)
                df[np.unique(ids)] += 1
        blocks = [np.concatenate(r) if r else np.zeros((1, dim), dtype=np.float32) for r in rows]
        starts = np.concatenate([[0], np.cumsum([len(b) for b in blocks])[:-1]]).astype(np.int64)
        # kept (and cached) at half precision: a cold build and a cached one score the same
        matrix = np.concatenate(blocks).astype(np.float16).astype(np.float32) if blocks else np.zeros((0, dim))
        return cls(np, matrix, starts, df, len(content))

    def scores(self, ids, vectors) -> Scores | None:
        """The entries' scores for a question's content tokens (None when it has none),
        each computed when first asked for: a question is ranked over ~20 candidates, and
        scoring every entry's tokens would cost ~5 ms on the bundled pack."""
        if not len(ids) or not len(self.matrix):
            return None
        return Scores(self, ids, vectors)

    def arrays(self) -> dict:
        return {"matrix": self.matrix.astype(self.np.float16), "starts": self.starts, "idf": self.idf}

    @classmethod
    def from_arrays(cls, np, f) -> Tokens:
        t = cls.__new__(cls)
        t.np, t.matrix, t.starts, t.idf = np, f["matrix"].astype(np.float32), f["starts"], f["idf"]
        return t


class Scores:
    """An entry's late-interaction score, by index (`scores[e]`): the IDF-weighted average,
    over the question's content tokens, of each one's closest cosine among the entry's tokens."""

    def __init__(self, tokens: Tokens, ids, vectors):
        np = tokens.np
        self.tokens, self.vectors = tokens, vectors
        self.weight = tokens.idf[np.minimum(ids, len(tokens.idf) - 1)]
        self.weight = self.weight / max(float(self.weight.sum()), 1e-12)
        self.ends = np.append(tokens.starts[1:], len(tokens.matrix))
        self.known: dict[int, float] = {}

    def __getitem__(self, e: int) -> float:
        if e not in self.known:
            block = self.tokens.matrix[self.tokens.starts[e]:self.ends[e]]
            self.known[e] = float(self.weight @ (self.vectors @ block.T).max(1))
        return self.known[e]

    def __len__(self) -> int:
        return len(self.tokens.starts)

    def all(self) -> list[float]:
        """Every entry's score (tests and tools; the search asks for its candidates only)."""
        return [self[e] for e in range(len(self))]
