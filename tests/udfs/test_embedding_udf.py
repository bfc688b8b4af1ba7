"""The pandas UDF's Python body, without a JVM: open() then eval() on a Series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pyflink.table import DataTypes

from udfs.embedding import DIMENSION, Embedder, default_model_dir
from udfs.embedding_udf import MODEL_DIR_PARAMETER, EmbedFailureText, embedding_udf


class StubCounter:
    def __init__(self) -> None:
        self.count = 0

    def inc(self, n: int = 1) -> None:
        self.count += n


class StubMetricGroup:
    def __init__(self) -> None:
        self.counters: dict[str, StubCounter] = {}

    def counter(self, name: str) -> StubCounter:
        return self.counters.setdefault(name, StubCounter())


class StubFunctionContext:
    """What Flink passes to open(): job parameters and a metric group."""

    def __init__(self, parameters: dict[str, str]) -> None:
        self.parameters = parameters
        self.metrics = StubMetricGroup()

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self.parameters.get(key, default_value)

    def get_metric_group(self) -> StubMetricGroup:
        return self.metrics


@pytest.fixture(scope="module")
def opened() -> tuple[EmbedFailureText, StubFunctionContext]:
    function = EmbedFailureText(model_dir="/nonexistent/overridden/by/the/job/parameter")
    context = StubFunctionContext({MODEL_DIR_PARAMETER: str(default_model_dir())})
    function.open(context)
    return function, context


def test_eval_embeds_a_batch_and_keeps_nulls(opened):
    function, context = opened
    texts = pd.Series(["KeyError: 'id'", None, "TimeoutError: locator.click"], index=[7, 8, 9])
    result = function.eval(texts)
    assert list(result.index) == [7, 8, 9]
    assert result[8] is None
    expected = Embedder(batch_size=4).embed(["KeyError: 'id'", "TimeoutError: locator.click"])
    np.testing.assert_allclose(np.stack([result[7], result[9]]), expected, atol=1e-5)
    assert context.metrics.counters["embeddings"].count == 2


def test_result_converts_to_flinks_arrow_array_of_floats(opened):
    # PyFlink turns the returned Series into Arrow with exactly this call (pandas_to_arrow).
    result = opened[0].eval(pd.Series(["a", None]))
    array = pa.Array.from_pandas(result, mask=result.isnull(), type=pa.list_(pa.float32()))
    assert array.null_count == 1 and len(array[0]) == DIMENSION


def test_eval_before_open_is_an_error():
    with pytest.raises(RuntimeError, match="open"):
        EmbedFailureText().eval(pd.Series(["x"]))


def test_wrapper_is_a_pandas_udf_returning_array_of_float():
    wrapper = embedding_udf()
    assert wrapper._func_type == "pandas"
    assert wrapper._result_type == DataTypes.ARRAY(DataTypes.FLOAT())
