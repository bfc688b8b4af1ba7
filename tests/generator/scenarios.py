"""The workloads the generator tests share: one clean, one with every kind of noise."""

from __future__ import annotations

from argus_flink.generator import WorkloadConfig

CLEAN = WorkloadConfig(events=12_000)
NOISY = WorkloadConfig(events=20_000, seed=7, bad_fraction=0.03, duplicate_fraction=0.04)
