"""The embedder as a vectorized (pandas) Flink scalar function: ``EMBED_FAILURE(text)``.

Flink hands a pandas UDF a whole Arrow batch of rows at once, so the model runs on batches
instead of one text at a time. The model loads once per Python worker, in ``open()``.
This is the only module of ``udfs`` that imports PyFlink; the logic lives in
``udfs.embedding`` and is usable without Flink.

Register it once, where the job sets up its table environment::

    t_env.create_temporary_system_function("EMBED_FAILURE", embedding_udf(model_dir))
    ... SELECT EMBED_FAILURE(failure_text) AS embedding ...  -- ARRAY<FLOAT>, 384 elements
"""

from __future__ import annotations

import pandas as pd
from pyflink.table import DataTypes
from pyflink.table.udf import FunctionContext, ScalarFunction, UserDefinedScalarFunctionWrapper, udf

from udfs.embedding import DEFAULT_BATCH_SIZE, Embedder

# Job parameter (``-D`` or pipeline.global-job-parameters) naming the model directory, for
# deployments where the constructor argument is not known when the job graph is built.
MODEL_DIR_PARAMETER = "argus.embedding.model-dir"


class EmbedFailureText(ScalarFunction):
    """pandas Series of texts -> pandas Series of float32 vectors (nulls stay null)."""

    def __init__(self, model_dir: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE):
        self._model_dir = model_dir
        self._batch_size = batch_size
        self._embedder: Embedder | None = None
        self._embedded = None

    def open(self, function_context: FunctionContext | None) -> None:
        model_dir = self._model_dir
        if function_context is not None:
            model_dir = function_context.get_job_parameter(MODEL_DIR_PARAMETER, model_dir or "")
            self._embedded = function_context.get_metric_group().counter("embeddings")
        self._embedder = Embedder(model_dir or None, batch_size=self._batch_size)

    def eval(self, texts: pd.Series) -> pd.Series:
        if self._embedder is None:
            raise RuntimeError("EmbedFailureText.open() was not called")
        present = texts.notna().to_list()
        vectors = iter(self._embedder.embed(
            [str(text) for text, known in zip(texts, present) if known]))
        if self._embedded is not None:
            self._embedded.inc(sum(present))
        return pd.Series([next(vectors) if known else None for known in present],
                         index=texts.index, dtype=object)

    def close(self) -> None:
        self._embedder = None


def embedding_udf(model_dir: str | None = None,
                  batch_size: int = DEFAULT_BATCH_SIZE) -> UserDefinedScalarFunctionWrapper:
    """The pandas UDF to register with ``create_temporary_system_function``."""
    return udf(
        EmbedFailureText(model_dir, batch_size),
        result_type=DataTypes.ARRAY(DataTypes.FLOAT()),
        func_type="pandas",
        # The same text always gives the same vector, so the planner may reuse results.
        deterministic=True,
        name="EMBED_FAILURE",
    )
