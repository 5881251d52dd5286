"""The meaning signal: MiniLM in numpy gives sentence-transformers' vectors, entry vectors
are cached on disk by content, and meaning finds what words miss."""
from __future__ import annotations

import json

import numpy as np
import pytest

from bot.cache import cache_dir, save
from bot.knowledge import load_pack
from bot.meaning import CHUNK_WORDS, Meaning, _chunks, entry_texts, load_encoder
from conftest import PACK_DIR, ROOT, run_cli


@pytest.fixture(scope="module")
def encoder():
    enc = load_encoder()
    assert enc is not None, "the meaning model isn't installed: run `make test` to set up .venv"
    return enc


def test_numpy_forward_pass_matches_sentence_transformers(encoder):
    """tests/data/minilm_reference.json was written by scripts/minilm_reference.py with
    sentence-transformers on torch: our vectors must be the same vectors."""
    ref = json.loads((ROOT / "tests" / "data" / "minilm_reference.json").read_text())
    ours = encoder.encode([r["text"] for r in ref])
    theirs = np.array([r["vector"] for r in ref], dtype=np.float32)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_a_vector(encoder):
    texts = ["P4", "what should I put for the SEND priority 2 question about inspection practice " * 3]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-5
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_long_paragraphs_are_cut_into_pieces():
    paragraph = " ".join(f"Sentence number {i} says something about inspection." for i in range(40))
    pieces = _chunks(paragraph)
    assert len(pieces) > 3
    assert " ".join(pieces).split() == paragraph.split()   # nothing lost or repeated
    assert all(len(p.split()) <= 2 * CHUNK_WORDS for p in pieces)
    assert _chunks("short text") == ["short text"]


def test_every_entry_has_texts_to_embed():
    pack = load_pack(PACK_DIR)
    for e in pack.entries:
        texts = entry_texts(e)
        assert texts and texts[0] == e.title and all(t.strip() for t in texts)


def test_vectors_are_cached_by_content(encoder, tmp_path):
    pack = load_pack(PACK_DIR)
    entries = pack.entries[:6]
    first = Meaning(encoder, entries, tmp_path)
    assert not first.cached and len(list(tmp_path.glob("meaning-*.npy"))) == 1
    again = Meaning(encoder, entries, tmp_path)
    assert again.cached and np.array_equal(first.vectors, again.vectors)
    other = Meaning(encoder, entries[:3], tmp_path)   # different texts: a different file
    assert not other.cached and len(list(tmp_path.glob("meaning-*.npy"))) == 2


def test_a_torn_cache_file_is_rebuilt(encoder, tmp_path):
    entries = load_pack(PACK_DIR).entries[:3]
    Meaning(encoder, entries, tmp_path)
    (path,) = tmp_path.glob("meaning-*.npy")
    path.write_bytes(path.read_bytes()[:100])
    rebuilt = Meaning(encoder, entries, tmp_path)
    assert not rebuilt.cached and rebuilt.vectors.shape == (rebuilt.n_texts, encoder.dim)
    assert Meaning(encoder, entries, tmp_path).cached


def test_meaning_finds_a_paraphrase_words_miss(encoder, config):
    pack = load_pack(PACK_DIR)
    meaning = Meaning(encoder, pack.entries, cache_dir(config))   # the bot's own cache: computed once per pack
    sims = meaning.similarities("Should the keeping-children-safe part get its own separate grade?")
    ids = [pack.entries[i].id for i in np.argsort(sims)[::-1][:3]]
    assert "safeguarding-separate-judgement" in ids
    chat = meaning.similarities("morning all, happy friday")
    assert max(chat) < max(sims)


def test_large_packs_embed_one_short_text_per_entry():
    from bot.meaning import BRIEF_WORDS

    for e in load_pack(PACK_DIR).entries:
        (text,) = entry_texts(e, brief=True)
        assert text.startswith(e.title.split()[0]) and len(text.split()) <= BRIEF_WORDS


def test_a_message_is_read_whole_and_by_sentence_in_one_pass(encoder):
    story = "Our head took early retirement after the report. Everyone knows she was pushed!\nWhere do I put that?"
    whole, parts, _ = encoder.encode_parts(story)
    assert np.abs(whole - encoder.encode([story])[0]).max() < 1e-5   # the whole is the ordinary vector
    assert parts.shape == (3, encoder.dim)
    assert np.allclose(np.linalg.norm(parts, axis=1), 1.0, atol=1e-5)
    assert (parts @ whole).min() < 0.99   # each sentence is pooled from its own tokens
    one, none, _ = encoder.encode_parts("What is a deep dive?")
    assert none.shape == (0, encoder.dim) and np.abs(one - encoder.encode(["What is a deep dive?"])[0]).max() < 1e-5


def test_a_reading_scores_every_entry_by_whole_and_by_sentence(encoder, config):
    pack = load_pack(PACK_DIR)
    meaning = Meaning(encoder, pack.entries, cache_dir(config))
    story = ("I went home in tears after our visit and I still can't sleep. "
             "Should keeping children safe be judged on its own, separately from leadership?")
    r = meaning.read(story, 5)
    n = len(pack.entries)
    assert len(r.whole) == len(r.sentence_best) == len(r.sentence_mean) == n and len(r.nearest) == 5
    assert all(b >= m - 1e-6 for b, m in zip(r.sentence_best, r.sentence_mean))
    assert "safeguarding-separate-judgement" in [pack.entries[e].id for e in r.nearest]
    short = meaning.read("Should safeguarding be a separate judgement?", 3)
    assert short.sentence_best == short.whole == short.sentence_mean   # one sentence: one reading


def _plain_gelu(x):
    """BERT's GELU as the plain numpy expression the encoder used before it worked in place."""
    u = x * np.float32(0.7071067811865476)
    sign, a = np.sign(u), np.abs(u)
    t = 1.0 / (1.0 + 0.3275911 * a)
    with np.errstate(over="ignore"):
        y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                   + 0.254829592) * t * np.exp(-a * a)
    return 0.5 * x * (1.0 + sign * y)


def test_the_in_place_gelu_is_the_plain_expression_to_the_bit():
    """The build works in place and caps |u| at 5 (no subnormal exp): not one bit may change,
    or cached vectors and the eval figures would drift."""
    from bot.meaning import _gelu_

    rng = np.random.default_rng(3)
    x = np.concatenate([(rng.standard_normal(200_000) * s).astype(np.float32) for s in (0.01, 1, 4, 12, 300)]
                       + [np.array([0.0, -0.0, 1e-30, -1e-30, 3e38, -3e38, 7.0710678, -7.0710678, 4.99, 5.01],
                                   dtype=np.float32)])
    expected = _plain_gelu(x)
    got = _gelu_(x.copy())
    assert got.dtype == np.float32 and np.array_equal(got, expected)


def test_layer_norm_is_the_plain_expression_to_the_bit(encoder):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((50, encoder.dim)) * 3 + 1).astype(np.float32)
    w, b = encoder.layers[0][4]
    mean = x.mean(-1, keepdims=True)
    plain = (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12) * w + b
    assert np.array_equal(encoder._layer_norm(x, (w, b)), plain)


def test_a_dense_layer_is_the_plain_product_to_the_bit_from_four_rows(encoder):
    """`_dense` multiplies as (w @ x.T).T, faster for a question's few rows: the bits must be
    x @ w.T's, or a near-tie would fall the other way and the cached vectors' name
    (`PRODUCT`) would have to change. Every row count a question has, and a build's batch;
    under 4 rows OpenBLAS's small-matrix kernels sum in another order (why PRODUCT is named)."""
    from bot.meaning import PRODUCT

    rng = np.random.default_rng(5)
    qkv_w, _, o_w, _, _, i_w, _, f_w, _, _ = encoder.layers[0]
    d = encoder.dim
    assert [w.shape for w in (qkv_w, o_w, i_w, f_w)] == [(3 * d, d), (d, d), (4 * d, d), (d, 4 * d)]   # (out, in)
    for w in (qkv_w, o_w, i_w, f_w):
        assert w.flags.c_contiguous
        for rows in [*range(4, 130), 2048]:
            x = rng.standard_normal((rows, w.shape[1])).astype(np.float32)
            got = encoder._dense(x, w)
            assert got.flags.c_contiguous and np.array_equal(got, x @ np.ascontiguousarray(w.T)), (w.shape, rows)
    assert PRODUCT in encoder.fingerprint


def test_a_build_on_two_threads_gives_the_same_vectors(encoder, monkeypatch):
    import bot.meaning

    monkeypatch.setattr(bot.meaning, "BATCH_TOKENS", 64)   # many small batches, finishing out of order
    pack = load_pack(PACK_DIR)
    texts = [t for e in pack.entries[:12] for t in entry_texts(e)]
    one = encoder.encode(texts, threads=1)
    two = encoder.encode(texts, threads=2)
    assert len(texts) > 40 and np.array_equal(one, two)
    assert np.abs(two[5] - encoder.encode([texts[5]])[0]).max() < 1e-5   # as if alone


def test_a_cache_write_that_fails_leaves_no_file_and_only_warns(tmp_path, caplog):
    def torn(f):
        f.write(b"half a file")
        raise OSError(28, "No space left on device")

    target = tmp_path / "cache" / "meaning-x.npy"
    with caplog.at_level("WARNING"):
        save(target, torn, "meaning vectors")
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert "could not cache meaning vectors" in caplog.text
    save(target, lambda f: f.write(b"whole"), "meaning vectors")
    assert target.read_bytes() == b"whole"
    assert sorted(p.name for p in target.parent.iterdir()) == ["CACHEDIR.TAG", "meaning-x.npy"]   # no temporary file



def probe(code: str, **env: str):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


BLAS_THREADS = "sorted({i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'})"


def test_the_model_runs_on_one_blas_thread_whoever_imported_numpy_first():
    """With two, the classifiers trained to other weights and near-ties fell the other way:
    a pack's figures depended on which process (bot, tests, a script) filled its cache."""
    out = probe("import numpy, threadpoolctl\n"          # numpy first, told to use two threads
                f"print({BLAS_THREADS})\n"
                "from bot.meaning import load_encoder\n"
                "assert load_encoder() is not None\n"
                f"print({BLAS_THREADS})", OPENBLAS_NUM_THREADS="2")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[2]", "[1]"]


def test_without_threadpoolctl_the_model_still_loads():
    out = probe("import sys\nsys.modules['threadpoolctl'] = None\n"
                "from bot.meaning import load_encoder\nprint(load_encoder() is not None)")
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    assert "threadpoolctl is not installed" in out.stderr


def test_a_configured_model_folder_is_the_one_used(tmp_path):
    """$BIGLISTEN_MODEL_DIR (or app.yaml's model_dir) names the model's folder: one without the
    model leaves the bot on words alone, said in the log, and still answering."""
    out = run_cli("ask", "--json", "whats off-rolling", env={"BIGLISTEN_MODEL_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "meaning model not installed" in out.stderr
    reply = json.loads(out.stdout)
    assert reply["answered"] and reply["results"][0]["id"] == "off-rolling"
    with_model = run_cli("ask", "--json", "whats off-rolling")
    assert with_model.returncode == 0 and "meaning model not installed" not in with_model.stderr
