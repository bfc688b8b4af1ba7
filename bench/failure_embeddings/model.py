"""The model called directly, as the baseline of the job's embedding rate.

The job's pattern writer embeds per org, in arrival order, one ``embed`` call per batch of
pattern updates (``--batch-size``, 256), which splits it into model calls of
``--embed-batch-size`` (32) texts sorted by length. This does the same calls with the same
``Embedder`` and thread count, in this process, while the stack idles.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np

from argus_flink.settings import PROJECT_ROOT
from bench.failure_embeddings.workload import Expected
from udfs.embedding import Embedder

# sentence-transformers' fp32 vectors of a few failure texts (tests/udfs/fixtures).
FP32_REFERENCE = PROJECT_ROOT / "tests" / "udfs" / "fixtures" / "reference_embeddings.json"


@dataclass
class ModelRun:
    texts: int
    seconds: float
    cpu_seconds: float  # this process, every thread (ONNX Runtime's included)
    vectors: dict[tuple[str, str], np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def rate(self) -> float:
        return self.texts / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.texts / self.cpu_seconds if self.cpu_seconds else 0.0


def measure(expected: Expected, *, batch_size: int, embed_batch_size: int) -> ModelRun:
    embedder = Embedder(batch_size=embed_batch_size)
    embedder.embed(["a first call allocates the session's buffers"])
    keys = sorted(expected.texts, key=lambda key: key[0])  # stable: arrival order per org
    vectors: dict[tuple[str, str], np.ndarray] = {}
    clock, cpu = time.perf_counter(), time.process_time()
    for _, org_keys in groupby(keys, key=lambda key: key[0]):
        org_keys = list(org_keys)
        for start in range(0, len(org_keys), batch_size):
            chunk = org_keys[start:start + batch_size]
            embedded = embedder.embed([expected.texts[key] for key in chunk])
            vectors.update(zip(chunk, embedded, strict=True))
    return ModelRun(len(keys), time.perf_counter() - clock, time.process_time() - cpu, vectors)


def fp32_agreement(embed_batch_size: int) -> tuple[int, float, float]:
    """(texts, min cosine, mean cosine) of the installed model against the fp32 reference."""
    reference = json.loads(FP32_REFERENCE.read_text())
    ours = Embedder(batch_size=embed_batch_size).embed(reference["sentences"])
    theirs = np.asarray(reference["vectors"], dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    cosines = (ours * theirs).sum(axis=1)
    return len(cosines), float(cosines.min()), float(cosines.mean())
