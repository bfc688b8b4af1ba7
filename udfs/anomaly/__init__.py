"""Anomaly detectors for the anomaly-flags job, as plain Python without Flink.

One module per detector; each keeps its per-key state in a small dataclass with one method
that takes the next observation in event-time order and returns an ``AnomalyFlag`` or None.
``thresholds`` holds every knob with its reasoning, ``operators`` wraps the detectors as Flink
KeyedProcessFunctions, and ``replay`` runs them in event time without Flink (the benchmark's
baseline and the fast quality tests).
"""
