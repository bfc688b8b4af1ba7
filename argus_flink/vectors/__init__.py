"""The failure-pattern vector store: PostgreSQL ``failure_patterns`` with pgvector."""
