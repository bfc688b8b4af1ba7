"""Sentence embeddings of failure texts: all-MiniLM-L6-v2 run by ONNX Runtime, offline.

The model files come from set-up (``argus-flink setup`` puts them in the tools directory):
``model.onnx``, ``tokenizer.json`` and the pooling config. Nothing is downloaded and torch is
not needed. As in sentence-transformers, a text's vector is the mean of its token vectors over
the attention mask, L2-normalised, so cosine similarity is a dot product.

Load an ``Embedder`` once (a Flink operator does it in ``open()``) and call ``embed`` with a
batch of texts; it sorts them by length so each model call pads as little as possible.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
# sentence-transformers' max_seq_length for this model; longer texts are truncated.
DEFAULT_MAX_LENGTH = 256
DEFAULT_BATCH_SIZE = 32
# Two cores are shared by the whole job (and, locally, by the rest of the stack).
DEFAULT_THREADS = 2


def default_model_dir() -> Path:
    """Where set-up installs the model: ``<tools>/models/all-MiniLM-L6-v2`` (ARGUS_TOOLS)."""
    from argus_flink.settings import StackSettings

    return StackSettings().tools / "models" / MODEL_NAME


def session_options(threads: int = DEFAULT_THREADS) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = max(1, min(threads, os.cpu_count() or 1))
    options.inter_op_num_threads = 1
    # Idle threads otherwise spin for a while after each call, burning a shared core for
    # nothing between Flink's batches.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _max_length(model_dir: Path) -> int:
    """sentence-transformers' own limit if the model ships it, within the position table."""
    limit = DEFAULT_MAX_LENGTH
    st_config = model_dir / "sentence_bert_config.json"
    if st_config.is_file():
        limit = int(json.loads(st_config.read_text()).get("max_seq_length", limit))
    bert_config = model_dir / "config.json"
    if bert_config.is_file():
        limit = min(limit, int(json.loads(bert_config.read_text())
                               .get("max_position_embeddings", limit)))
    return limit


def _check_pooling(model_dir: Path) -> None:
    pooling = model_dir / "pooling_config.json"
    if pooling.is_file() and not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens"):
        raise ValueError(f"{pooling}: only mean pooling is implemented")


class Embedder:
    """all-MiniLM-L6-v2 loaded once; ``embed`` turns texts into unit vectors."""

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        max_length: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        if not (self.model_dir / "model.onnx").is_file():
            raise FileNotFoundError(
                f"no model.onnx in {self.model_dir}: run `argus-flink setup` to install it")
        _check_pooling(self.model_dir)
        self.max_length = max_length or _max_length(self.model_dir)
        self.batch_size = max(1, batch_size)

        self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # The shipped tokenizer pads every text to 128; padding is done per batch instead.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length)
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0

        self._session = ort.InferenceSession(
            str(self.model_dir / "model.onnx"),
            sess_options=session_options(threads),
            providers=["CPUExecutionProvider"],
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        outputs = [o.name for o in self._session.get_outputs()]
        self._output = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, 384) float32 array of L2-normalised vectors, in the order of ``texts``."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(
            [text if isinstance(text, str) else "" for text in texts])
        ids = [encoding.ids for encoding in encodings]
        # Similar lengths side by side: each batch is padded only to its own longest text.
        order = np.argsort([len(token_ids) for token_ids in ids], kind="stable")
        vectors = np.empty((len(ids), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            vectors[batch] = self._embed_batch([ids[i] for i in batch])
        return vectors

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(token_ids) for token_ids in ids)
        input_ids = np.full((len(ids), width), self._pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, token_ids in enumerate(ids):
            input_ids[row, :len(token_ids)] = token_ids
            attention_mask[row, :len(token_ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self._session.run([self._output], feeds)
        return mean_pool_normalised(hidden, attention_mask)


def mean_pool_normalised(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors where the mask is 1, scaled to unit length."""
    mask = attention_mask[:, :, None].astype(np.float32)
    summed = (hidden * mask).sum(axis=1)
    counts = np.clip(mask.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return (pooled / norms).astype(np.float32)
