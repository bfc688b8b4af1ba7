"""Plumbing shared by the DataStream jobs: environments, Kafka tables, parsing and DLQ routing."""
