"""Step 3 (project venv): throughput and fp32 agreement of each candidate model.

For the int8 model set-up installs at batch sizes 16, 32 and 64, and for the candidate models
of step 2 (by default fp32, per-channel int8 and per-tensor int8, when present) at batch size
32, through ``udfs.embedding.Embedder``, it measures sentences per wall second, sentences
per CPU-second of the process, the share of the wall time spent outside the ONNX session
(tokenising, padding, pooling), and cosine to the fp32 sentence-transformers reference.

The machine is shared, so configurations take turns: each round embeds the next chunk of
texts with every configuration in turn, and every configuration sees the same load. Compare
configurations by their ratio to the installed model; absolute rates hold only for the load
average recorded with them.

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
CHUNK = 64  # texts per configuration per round
ROUNDS = 3


class Measured:
    """One (model, batch size): an embedder whose session calls are timed."""

    def __init__(self, model_dir: Path, batch_size: int) -> None:
        self.name = "installed int8" if model_dir == default_model_dir() else model_dir.name
        self.batch_size = batch_size
        self.embedder = Embedder(model_dir, batch_size=batch_size)
        self.wall = self.cpu = self.session = 0.0
        self.count = 0
        self.cosines: list[np.ndarray] = []
        run = self.embedder._session.run

        def timed_run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                self.session += time.perf_counter() - start

        self.embedder._session.run = timed_run

    def embed(self, texts: list[str], reference: np.ndarray | None) -> None:
        start, cpu_start = time.perf_counter(), time.process_time()
        vectors = self.embedder.embed(texts)
        self.wall += time.perf_counter() - start
        self.cpu += time.process_time() - cpu_start
        self.count += len(texts)
        if reference is not None:
            self.cosines.append(np.sum(vectors * reference, axis=1))

    def result(self) -> dict:
        result = {"model": self.name, "batch": self.batch_size, "sentences": self.count,
                  "per_s": round(self.count / self.wall, 1),
                  "per_cpu_s": round(self.count / self.cpu, 1),
                  "outside_session": round(1 - self.session / self.wall, 3)}
        if self.cosines:
            cosines = np.concatenate(self.cosines)
            result.update(cos_min=round(float(cosines.min()), 4),
                          cos_mean=round(float(cosines.mean()), 4))
        return result


def main(work: Path, models: list[str]) -> None:
    texts = json.loads((work / "texts.json").read_text())
    reference_file = work / "reference.npy"
    reference = np.load(reference_file) if reference_file.is_file() else None
    names = models or ["fp32", "int8-per-channel", "int8-per-tensor"]
    model_dirs = [default_model_dir()] + [work / name for name in names
                                          if (work / name / "model.onnx").is_file()]
    # Every batch size for the installed model; candidates at the middle one, to hold fewer
    # sessions (and their memory arenas) at once.
    configs = [Measured(model_dirs[0], batch) for batch in BATCH_SIZES]
    configs += [Measured(model_dir, BATCH_SIZES[1]) for model_dir in model_dirs[1:]]
    for config in configs:
        config.embedder.embed(texts[:config.batch_size])  # warm-up: allocation, optimisation
        config.session = 0.0
    loads = [os.getloadavg()[0]]
    for round_number in range(ROUNDS):
        start = (round_number * CHUNK) % len(texts)
        chunk = texts[start:start + CHUNK]
        expected = reference[start:start + CHUNK] if reference is not None else None
        for config in configs:
            config.embed(chunk, expected)
        loads.append(os.getloadavg()[0])
        report = {"texts_per_round": CHUNK, "rounds_done": round_number + 1,
                  "cpus": os.cpu_count(), "load_average_1m": loads,
                  "results": [config.result() for config in configs]}
        (work / "model_bench.json").write_text(json.dumps(report, indent=1))
        print(f"round {round_number + 1}/{ROUNDS} done, load {loads[-1]:.1f}", flush=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
