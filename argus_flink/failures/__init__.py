"""The failure-embeddings job's records, pure logic, batched pattern writer and operators.

Shape of the data through the job:

    valid failure event -> FailureEvent   (events.py: fingerprint, normalised text; pure)
      -> PatternUpdate                    (patterns.py: + absolute counts from keyed state)
      -> embed new fingerprints, upsert, similar lookup (writer.py, one batch per flush)
      -> similar_failure Insight          (patterns.py: deterministic id)
"""
