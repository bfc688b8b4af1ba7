"""The test and code knowledge graph: typed records, Cypher statements, schema, the batching
writer with its circuit breaker, and the org-scoped queries users run.

Shape of the data through the knowledge-graph job:

    valid event -> GraphEvent         (events.py: what the event says; pure)
      -> GraphUpdate                  (summaries.py: + absolute summaries from keyed state)
      -> statement rows               (updates.py: one row per Cypher statement it feeds)
      -> UNWIND $rows … MERGE batches (writer.py, statements.py)
"""
