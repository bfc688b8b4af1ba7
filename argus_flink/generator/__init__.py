"""Seeded synthetic workload: realistic Argus events with known incidents and a ground truth.

``generate(config)`` is pure and deterministic; ``produce.produce`` writes records to Kafka;
``cli.produce_command`` is the ``argus-flink produce`` command.
"""

from argus_flink.generator.config import DEFAULT_START, WorkloadConfig, parse_start
from argus_flink.generator.defects import EXPECTED_REASON, Defect
from argus_flink.generator.manifest import Incident, Manifest, load_manifest, write_manifest
from argus_flink.generator.record import Record
from argus_flink.generator.workload import Workload, generate, generate_with_manifest

__all__ = [
    "DEFAULT_START",
    "EXPECTED_REASON",
    "Defect",
    "Incident",
    "Manifest",
    "Record",
    "Workload",
    "WorkloadConfig",
    "generate",
    "generate_with_manifest",
    "load_manifest",
    "parse_start",
    "write_manifest",
]
