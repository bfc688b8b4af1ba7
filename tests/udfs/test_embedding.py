"""The ONNX embedder: agreement with the fp32 reference, and similarity on labelled failures."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from udfs.embedding import DIMENSION, Embedder, mean_pool_normalised
from udfs.failure_text import failure_text, parts_from_test_executed

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    try:
        return Embedder(batch_size=8)
    except FileNotFoundError as exc:
        pytest.fail(f"{exc} (make test runs the set-up first)")


def test_vectors_match_the_fp32_reference(embedder):
    reference = json.loads((FIXTURES / "reference_embeddings.json").read_text())
    vectors = embedder.embed(reference["sentences"])
    cosines = np.sum(vectors * np.asarray(reference["vectors"], dtype=np.float32), axis=1)
    assert cosines.min() >= 0.99, dict(zip(reference["sentences"], cosines.round(4)))


def test_shape_type_and_unit_length(embedder):
    vectors = embedder.embed(["a", "a much longer failure text " * 40, ""])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, DIMENSION)


def test_batching_and_order_do_not_change_a_vector(embedder):
    texts = [f"ValueError: bad value {word}" for word in ("alpha", "beta gamma delta", "e")] * 4
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed_one(text) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_mean_pooling_ignores_padding():
    hidden = np.array([[[1.0, 0.0], [0.0, 1.0], [50.0, 50.0]]], dtype=np.float32)
    pooled = mean_pool_normalised(hidden, np.array([[1, 1, 0]]))
    np.testing.assert_allclose(pooled, [[0.70710677, 0.70710677]], atol=1e-6)


def test_similar_failures_rank_above_unrelated_ones(embedder):
    """Pairwise ranking accuracy: for each failure a, a same-group failure p and another-group
    failure n, the triple counts as right when sim(a, p) > sim(a, n)."""
    failures = json.loads((FIXTURES / "labelled_failures.json").read_text())["failures"]
    texts = [failure_text(parts_from_test_executed(failure)) for failure in failures]
    groups = [failure["group"] for failure in failures]
    vectors = embedder.embed(texts)
    similarity = vectors @ vectors.T
    right = total = 0
    for a, p, n in product(range(len(failures)), repeat=3):
        if a != p and groups[p] == groups[a] and groups[n] != groups[a]:
            total += 1
            right += bool(similarity[a, p] > similarity[a, n])
    assert total > 2000
    assert right / total >= 0.9
