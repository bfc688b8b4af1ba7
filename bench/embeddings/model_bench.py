"""Step 3 (project venv): throughput and fp32 agreement of each candidate model.

For every model directory (the int8 model set-up installs, and the fp32, per-channel int8 and
per-tensor int8 models of step 2 when present) it measures, through ``udfs.embedding.Embedder``:
- sentences/s at batch sizes 16, 32 and 64 (wall clock, one round over the texts),
  sentences per CPU-second of the process, and the share of the wall time spent outside the
  ONNX session (tokenising, padding, pooling);
- cosine to the fp32 sentence-transformers reference: minimum, 1st percentile and mean.

    .venv/bin/python bench/embeddings/model_bench.py /tmp/argus-bench [MODEL_SUBDIR …]
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
ROUNDS = 1


def timed_embed(embedder: Embedder, texts: list[str]) -> tuple[float, float, float]:
    """Wall seconds of ``embed``, wall seconds of the ONNX calls inside it, and the CPU
    seconds of the whole process (all threads) meanwhile."""
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
        start, cpu_start = time.perf_counter(), time.process_time()
        embedder.embed(texts)
        return time.perf_counter() - start, inner, time.process_time() - cpu_start
    finally:
        session.run = run


def bench_model(model_dir: Path, texts: list[str], reference: np.ndarray | None) -> dict:
    result = {"model": model_dir.name if model_dir != default_model_dir() else "installed int8",
              "size_mb": round((model_dir / "model.onnx").stat().st_size / 1e6, 1)}
    for batch_size in BATCH_SIZES:
        embedder = Embedder(model_dir, batch_size=batch_size)
        embedder.embed(texts[:batch_size])  # warm-up: first calls allocate and optimise
        wall, session, cpu = min((timed_embed(embedder, texts) for _ in range(ROUNDS)),
                                 key=lambda t: t[0])
        result[f"per_s_{batch_size}"] = round(len(texts) / wall, 1)
        # Less sensitive to other processes on the machine than the wall-clock rate.
        result[f"per_cpu_s_{batch_size}"] = round(len(texts) / cpu, 1)
        result[f"outside_session_{batch_size}"] = round(1 - session / wall, 3)
        if batch_size == BATCH_SIZES[1] and reference is not None:
            cosines = np.sum(embedder.embed(texts) * reference, axis=1)
            result.update(cos_min=round(float(cosines.min()), 4),
                          cos_p1=round(float(np.percentile(cosines, 1)), 4),
                          cos_mean=round(float(cosines.mean()), 4))
    return result


def main(work: Path, models: list[str]) -> None:
    texts = json.loads((work / "texts.json").read_text())
    reference_file = work / "reference.npy"
    reference = np.load(reference_file) if reference_file.is_file() else None
    names = models or ["fp32", "int8-per-channel", "int8-per-tensor"]
    candidates = [default_model_dir()] + [work / name for name in names
                                          if (work / name / "model.onnx").is_file()]
    load_before = os.getloadavg()[0]
    report = {"texts": len(texts), "mean_chars": round(float(np.mean([len(t) for t in texts]))),
              "cpus": os.cpu_count(), "load_average_1m": [load_before], "results": []}
    for model_dir in candidates:
        report["results"].append(bench_model(model_dir, texts, reference))
        report["load_average_1m"].append(os.getloadavg()[0])
        # Written after every model: a long run under load still leaves its results.
        (work / "model_bench.json").write_text(json.dumps(report, indent=1))
        print(json.dumps(report["results"][-1]), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
