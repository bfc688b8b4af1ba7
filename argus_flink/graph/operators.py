"""The knowledge-graph job's two keyed operators; both are keyed by org_id.

    envelope(GraphEvent) --key by org--> GraphSummaries --key by org--> GraphWriter
                                          (absolute summaries           (batches in keyed state,
                                           in MapState)                  flushes by size or time)
                                                                          + DLQ side output

Keying by org gives each org exactly one writer, so two concurrent transactions never MERGE
the same node (the loser would fail on the uniqueness constraint, or, on a server without
one, create the node twice).

Why the writer keeps its batch in keyed ListState rather than in a Python list: PyFlink gives
Python functions no hook before a checkpoint barrier (the operator only finishes its bundle
and commits state). Held in state, a pending update is in every checkpoint taken before it is
written, so a restore writes it again; once written, a replay from the source rewrites it
with the same MERGE and the same absolute values. At-least-once writes of idempotent updates
give the graph exactly-once results.
"""

from __future__ import annotations

from argus_flink.contracts import Reason, make_dead_letter
from argus_flink.graph.records import FailureSummary, GraphEvent, GraphUpdate, Source, TestSummary
from argus_flink.graph.rows import flink_type, from_row, to_row
from argus_flink.graph.summaries import summarise
from argus_flink.graph.writer import GraphTarget, GraphWriter, WritePolicy
from argus_flink.runtime.routing import dead_letter_message, dlq_tag

#: An event-time timer here fires only when the input ends (the final watermark), so a
#: bounded run flushes what is pending before the job finishes. The job assigns no
#: watermarks: the graph has no windows, and a late event is still a true fact.
END_OF_INPUT = 2**63 - 2


def org_of(row) -> str:
    return row["org_id"]


class _StateStore:
    """SummaryStore over one org's MapStates (the current key is the org)."""

    def __init__(self, seen, tests, errors, failed_with) -> None:
        self._seen, self._tests, self._errors, self._failed_with = (
            seen, tests, errors, failed_with)

    def seen(self, event_id: str) -> bool:
        return self._seen.contains(event_id)

    def mark_seen(self, event_id: str) -> None:
        self._seen.put(event_id, True)

    def test(self, test_id: str) -> TestSummary | None:
        return from_row(TestSummary, self._tests.get(test_id))

    def put_test(self, test_id: str, summary: TestSummary) -> None:
        self._tests.put(test_id, to_row(summary))

    def error(self, fingerprint: str) -> FailureSummary | None:
        return from_row(FailureSummary, self._errors.get(fingerprint))

    def put_error(self, fingerprint: str, summary: FailureSummary) -> None:
        self._errors.put(fingerprint, to_row(summary))

    def failed_with(self, test_id: str, fingerprint: str) -> FailureSummary | None:
        return from_row(FailureSummary, self._failed_with.get(f"{test_id}\x1f{fingerprint}"))

    def put_failed_with(self, test_id: str, fingerprint: str, summary: FailureSummary
                        ) -> None:
        self._failed_with.put(f"{test_id}\x1f{fingerprint}", to_row(summary))


def make_graph_summaries(recent_runs: int, dedupe_ttl_s: float):
    """KeyedProcessFunction: envelope rows -> GraphUpdate rows with absolute summaries."""
    from pyflink.common import Time, Types
    from pyflink.datastream import KeyedProcessFunction
    from pyflink.datastream.state import MapStateDescriptor, StateTtlConfig

    class GraphSummaries(KeyedProcessFunction):
        def open(self, runtime_context):
            seen = MapStateDescriptor("seen-event-ids", Types.STRING(), Types.BOOLEAN())
            # A redelivered event arrives within the topics' retention; older ids can go.
            seen.enable_time_to_live(
                StateTtlConfig.new_builder(Time.milliseconds(int(dedupe_ttl_s * 1000))).build())

            def summaries(name, record_type):
                return runtime_context.get_map_state(
                    MapStateDescriptor(name, Types.STRING(), flink_type(record_type)))

            self._store = _StateStore(
                runtime_context.get_map_state(seen),
                summaries("test-summaries", TestSummary),
                summaries("error-summaries", FailureSummary),
                summaries("failed-with-summaries", FailureSummary),
            )

        def process_element(self, envelope, ctx):
            event = from_row(GraphEvent, envelope["event"])
            source = Source(envelope["topic"], envelope["partition"], envelope["offset"],
                            envelope["original"])
            yield to_row(summarise(event, source, self._store, recent_runs))

    return GraphSummaries()


def make_graph_writer(target: GraphTarget, policy: WritePolicy, *, batch_size: int,
                      flush_interval_s: float, job: str):
    """KeyedProcessFunction: GraphUpdate rows -> batched graph writes; failures to the DLQ."""
    from pyflink.common import Types
    from pyflink.datastream import KeyedProcessFunction
    from pyflink.datastream.state import ListStateDescriptor, ValueStateDescriptor

    tag = dlq_tag()
    flush_interval_ms = int(flush_interval_s * 1000)

    class GraphWriterFunction(KeyedProcessFunction):
        def open(self, runtime_context):
            self._pending = runtime_context.get_list_state(
                ListStateDescriptor("pending-updates", flink_type(GraphUpdate)))
            self._pending_count = runtime_context.get_state(
                ValueStateDescriptor("pending-count", Types.LONG()))
            self._writer = GraphWriter(target, policy)
            metrics = runtime_context.get_metrics_group()
            self._written = metrics.counter("graphRecordsWritten")
            self._dead_lettered = metrics.counter("graphRecordsDeadLettered")
            metrics.gauge("graphCircuitOpen", lambda: int(not self._writer.breaker.allows_write()))

        def close(self):
            self._writer.close()

        def process_element(self, update, ctx):
            self._pending.add(update)
            count = (self._pending_count.value() or 0) + 1
            if count >= batch_size:
                yield from self._flush()
                return
            self._pending_count.update(count)
            if count == 1:
                timers = ctx.timer_service()
                timers.register_processing_time_timer(
                    timers.current_processing_time() + flush_interval_ms)
                timers.register_event_time_timer(END_OF_INPUT)

        def on_timer(self, timestamp, ctx):
            yield from self._flush()

        def _flush(self):
            rows = list(self._pending.get() or ())
            self._pending.clear()
            self._pending_count.clear()
            if not rows:
                return
            outcome = self._writer.write([from_row(GraphUpdate, row) for row in rows])
            self._written.inc(outcome.written)
            self._dead_lettered.inc(len(outcome.failed))
            for failed in outcome.failed:
                source = failed.update.source
                yield tag, dead_letter_message(make_dead_letter(
                    Reason.SINK_ERROR, failed.detail, value=source.original.encode(),
                    topic=source.topic, partition=source.partition, offset=source.offset,
                    job=job, org_id=failed.update.org_id))

    return GraphWriterFunction()
