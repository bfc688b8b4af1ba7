"""Step 3 (project venv): throughput and fp32 agreement of each candidate model.

For every model directory (the int8 model set-up installs, and the fp32, per-channel int8 and
per-tensor int8 models of step 2 when present) it measures, through ``udfs.embedding.Embedder``:
- sentences/s at batch sizes 16, 32 and 64 (wall clock, best of three rounds over the texts),
  and the share of that time spent outside the ONNX session (tokenising, padding, pooling);
- cosine to the fp32 sentence-transformers reference: minimum, 1st percentile and mean.

    .venv/bin/python bench/embeddings/model_bench.py /tmp/argus-bench
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from udfs.embedding import Embedder, default_model_dir

BATCH_SIZES = (16, 32, 64)
ROUNDS = 3


def timed_embed(embedder: Embedder, texts: list[str]) -> tuple[float, float]:
    """Wall seconds of ``embed`` and of the ONNX session calls inside it."""
    session = embedder._session
    inner = 0.0
    run = session.run

    def counted_run(*args, **kwargs):
        nonlocal inner
        start = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            inner += time.perf_counter() - start

    session.run = counted_run
    try:
        start = time.perf_counter()
        embedder.embed(texts)
        return time.perf_counter() - start, inner
    finally:
        session.run = run


def bench_model(model_dir: Path, texts: list[str], reference: np.ndarray) -> dict:
    result = {"model": model_dir.name if model_dir != default_model_dir() else "installed int8",
              "size_mb": round((model_dir / "model.onnx").stat().st_size / 1e6, 1)}
    for batch_size in BATCH_SIZES:
        embedder = Embedder(model_dir, batch_size=batch_size)
        embedder.embed(texts[:batch_size])  # warm-up: first calls allocate and optimise
        best = min((timed_embed(embedder, texts) for _ in range(ROUNDS)), key=lambda t: t[0])
        result[f"per_s_{batch_size}"] = round(len(texts) / best[0], 1)
        result[f"outside_session_{batch_size}"] = round(1 - best[1] / best[0], 3)
    cosines = np.sum(Embedder(model_dir).embed(texts) * reference, axis=1)
    result.update(cos_min=round(float(cosines.min()), 4),
                  cos_p1=round(float(np.percentile(cosines, 1)), 4),
                  cos_mean=round(float(cosines.mean()), 4))
    return result


def main(work: Path) -> None:
    texts = json.loads((work / "texts.json").read_text())
    reference = np.load(work / "reference.npy")
    candidates = [default_model_dir()] + [work / name for name in
                                          ("fp32", "int8-per-channel", "int8-per-tensor")
                                          if (work / name / "model.onnx").is_file()]
    load_before = os.getloadavg()[0]
    results = [bench_model(model_dir, texts, reference) for model_dir in candidates]
    report = {"texts": len(texts), "mean_chars": round(float(np.mean([len(t) for t in texts]))),
              "cpus": os.cpu_count(), "load_average_1m": [load_before, os.getloadavg()[0]],
              "results": results}
    (work / "model_bench.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
