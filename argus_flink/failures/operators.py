"""The failure-embeddings job's two keyed operators; both are keyed by org_id.

    envelope(FailureEvent) --key by org--> FailurePatterns --key by org--> PatternWriter
                                           (event-id dedupe,              (batch in keyed state,
                                            absolute counts per            embeds new patterns,
                                            fingerprint in MapState)       upserts, similar lookup)
                                                                           -> Insight messages
                                                                           + DLQ side output

Keying the writer by org gives each org one writer, so a batch's similar lookups see every
pattern of the org written before them, never another org's.

Why the writer keeps its batch in keyed ListState rather than in a Python list (the same
reasoning as the knowledge-graph writer): PyFlink gives Python functions no hook before a
checkpoint barrier. Held in state, a pending update is in every checkpoint taken before it is
written, so a restore writes it again; writes are idempotent upserts of absolute values.

Which fingerprints are "new" (embedded and matched) is decided by the writer, from keyed state
it marks only after a successful write: a batch that ends in the DLQ leaves its fingerprints
unmarked, and their next occurrence is embedded then.
"""

from __future__ import annotations

from argus_flink.contracts import Reason, make_dead_letter, to_json_bytes
from argus_flink.failures.patterns import latest_per_pattern, observe, pattern_update, \
    similar_insight
from argus_flink.failures.records import FailureEvent, PatternState, PatternUpdate
from argus_flink.failures.writer import PatternWriteError, PatternWriter, SimilarPolicy
from argus_flink.graph.rows import flink_type, from_row, to_row
from argus_flink.runtime.routing import dead_letter_message, dlq_tag

#: An event-time timer here fires only when the input ends (the final watermark), so a
#: bounded run flushes what is pending before the job finishes. The job assigns no watermarks.
END_OF_INPUT = 2**63 - 2


def org_of(row) -> str:
    return row["org_id"]


def make_failure_patterns(dedupe_ttl_s: float):
    """KeyedProcessFunction: envelope rows -> PatternUpdate rows with absolute values."""
    from pyflink.common import Time, Types
    from pyflink.datastream import KeyedProcessFunction
    from pyflink.datastream.state import MapStateDescriptor, StateTtlConfig

    class FailurePatterns(KeyedProcessFunction):
        def open(self, runtime_context):
            seen = MapStateDescriptor("seen-event-ids", Types.STRING(), Types.BOOLEAN())
            # The same event arrives on test.executed and test.failed, and a redelivery within
            # the topics' retention; older ids can go.
            seen.enable_time_to_live(
                StateTtlConfig.new_builder(Time.milliseconds(int(dedupe_ttl_s * 1000))).build())
            self._seen = runtime_context.get_map_state(seen)
            self._patterns = runtime_context.get_map_state(
                MapStateDescriptor("patterns", Types.STRING(), flink_type(PatternState)))

        def process_element(self, envelope, ctx):
            event = from_row(FailureEvent, envelope["event"])
            if self._seen.contains(event.event_id):
                return
            self._seen.put(event.event_id, True)
            state = observe(from_row(PatternState, self._patterns.get(event.fingerprint)),
                            event)
            self._patterns.put(event.fingerprint, to_row(state))
            yield to_row(pattern_update(event, state, topic=envelope["topic"],
                                        partition=envelope["partition"],
                                        offset=envelope["offset"],
                                        original=envelope["original"]))

    return FailurePatterns()


def make_pattern_writer(dsn: str, policy: SimilarPolicy, *, model_dir: str | None,
                        embed_batch_size: int, batch_size: int, flush_interval_s: float,
                        retry_budget_s: float, job: str):
    """KeyedProcessFunction: PatternUpdate rows -> batched embed/upsert/lookup -> Insight
    messages; a batch that cannot be written goes to the DLQ (sink_error)."""
    from pyflink.common import Row, Types
    from pyflink.datastream import KeyedProcessFunction
    from pyflink.datastream.state import (
        ListStateDescriptor,
        MapStateDescriptor,
        ValueStateDescriptor,
    )

    tag = dlq_tag()
    flush_interval_ms = int(flush_interval_s * 1000)

    class PatternWriterFunction(KeyedProcessFunction):
        def open(self, runtime_context):
            from udfs.embedding import Embedder

            self._pending = runtime_context.get_list_state(
                ListStateDescriptor("pending-updates", flink_type(PatternUpdate)))
            self._pending_count = runtime_context.get_state(
                ValueStateDescriptor("pending-count", Types.LONG()))
            self._embedded = runtime_context.get_map_state(
                MapStateDescriptor("embedded-fingerprints", Types.STRING(), Types.BOOLEAN()))
            # The model loads once per operator instance, not per batch.
            embedder = Embedder(model_dir, batch_size=embed_batch_size)
            self._writer = PatternWriter(dsn, embedder.embed, policy,
                                         retry_budget_s=retry_budget_s)
            metrics = runtime_context.get_metrics_group()
            self._written = metrics.counter("patternsWritten")
            self._embedded_count = metrics.counter("patternsEmbedded")
            self._insights = metrics.counter("similarFailureInsights")
            self._dead_lettered = metrics.counter("patternRecordsDeadLettered")

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
            updates = [from_row(PatternUpdate, row) for row in (self._pending.get() or ())]
            self._pending.clear()
            self._pending_count.clear()
            if not updates:
                return
            latest = latest_per_pattern(updates)
            new = [u for u in latest if not self._embedded.contains(u.fingerprint)]
            try:
                matches = self._writer.write(latest, new)
            except PatternWriteError as exc:
                self._dead_lettered.inc(len(updates))
                for update in updates:
                    yield tag, dead_letter_message(make_dead_letter(
                        Reason.SINK_ERROR, str(exc), value=update.original.encode(),
                        topic=update.topic, partition=update.partition, offset=update.offset,
                        job=job, org_id=update.org_id))
                return
            self._written.inc(len(latest))
            self._embedded_count.inc(len(new))
            for update in new:
                self._embedded.put(update.fingerprint, True)
                insight = similar_insight(update, matches[update.fingerprint])
                if insight is not None:
                    self._insights.inc()
                    yield Row(update.org_id, to_json_bytes(insight).decode())

    return PatternWriterFunction()
