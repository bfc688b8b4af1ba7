"""The frozen configuration every streaming job starts from, built from CLI and environment."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from argus_flink.contracts import DEFAULT_MAX_BYTES
from argus_flink.endpoints import Endpoints, load_endpoints

StartFrom = Literal["earliest-offset", "latest-offset", "group-offsets"]


class StreamJobConfig(BaseModel):
    """Settings common to the DataStream jobs; each job subclasses it with its own knobs."""

    model_config = ConfigDict(frozen=True)

    job_name: str
    endpoints: Endpoints
    #: Only when given: otherwise the cluster's parallelism.default (the FlinkDeployment's
    #: job.parallelism on Kubernetes) applies.
    parallelism: int | None = Field(None, ge=1)
    checkpoint_interval_s: float = Field(10.0, gt=0)
    #: Bounded out-of-orderness: how far behind the newest event an event may arrive.
    watermark_delay_s: float = Field(30.0, ge=0)
    #: A partition silent this long stops holding the watermark back.
    idle_timeout_s: float = Field(10.0, gt=0)
    max_payload_bytes: int = Field(DEFAULT_MAX_BYTES, gt=0)
    start_from: StartFrom = "earliest-offset"
    #: For bounded runs (tests, backfills): topic -> ``partition:0,offset:42;partition:1,…``.
    bounded_offsets: Mapping[str, str] = Field(default_factory=dict)

    @property
    def group_id(self) -> str:
        return f"argus-{self.job_name}"

    def transactional_id_prefix(self, sink: str) -> str:
        # Unique per job and sink: Kafka sinks sharing a prefix in one TaskManager fail.
        return f"argus-{self.job_name}-{sink}"


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parallelism", type=int)
    parser.add_argument("--checkpoint-interval", type=float, dest="checkpoint_interval_s")
    parser.add_argument("--watermark-delay", type=float, dest="watermark_delay_s")
    parser.add_argument("--idle-timeout", type=float, dest="idle_timeout_s")
    parser.add_argument("--start-from", choices=["earliest-offset", "latest-offset",
                                                 "group-offsets"])
    parser.add_argument("--bounded-offsets", action="append", default=[], metavar="TOPIC=SPEC",
                        help="stop at these offsets: TOPIC=partition:0,offset:42;partition:1,…")


def stream_config_fields(args: argparse.Namespace) -> dict:
    """The non-empty common options of ``args``, ready for a config constructor."""
    fields = {
        key: value for key, value in vars(args).items()
        if key in StreamJobConfig.model_fields and value is not None
    }
    bounded = dict(spec.split("=", 1) for spec in (args.bounded_offsets or []))
    fields["bounded_offsets"] = bounded
    fields.setdefault("endpoints", load_endpoints())
    return fields


def parse_stream_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    add_stream_arguments(parser)
    return parser.parse_args(argv)
