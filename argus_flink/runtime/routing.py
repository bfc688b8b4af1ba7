"""Parse raw records into typed rows, and route what cannot be used to the DLQ with a reason.

Shape of the stream through these steps:

    raw Row(topic, partition, offset, key, value), with event-time watermarks made per
    partition inside the Kafka source (a watermark made after the union of partitions would
    let one partition read ahead, in a backlog or a replay, turn the others' records late)
      -> ParseRecords  -> Envelope(event_time, org_id, topic, partition, offset, original, event)
                          + DLQ side output (invalid_json, schema_violation, missing_org_id, …)
      -> SplitLate     -> event rows for the job's operators
                          + DLQ side output (late_event, with the original payload)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from argus_flink.contracts import DeadLetter, ParsedEvent, Reason, make_dead_letter, parse
from argus_flink.contracts.events import format_timestamp, to_json_bytes

#: Builds a job's typed row from a valid event, or None when the job has no use for it.
EventToRow = Callable[[ParsedEvent], object]


def message_type():
    """Row(org_id, value): what the Kafka message sinks take (key org_id, JSON value)."""
    from pyflink.common import Types

    return Types.ROW_NAMED(["org_id", "value"], [Types.STRING(), Types.STRING()])


def envelope_type(event_type):
    from pyflink.common import Types

    return Types.ROW_NAMED(
        ["event_time", "org_id", "topic", "partition", "offset", "original", "event"],
        [Types.LONG(), Types.STRING(), Types.STRING(), Types.INT(), Types.LONG(),
         Types.STRING(), event_type],
    )


def dlq_tag():
    from pyflink.datastream import OutputTag

    return OutputTag("dead-letters", message_type())


def dead_letter_message(dead_letter: DeadLetter):
    from pyflink.common import Row

    return Row(dead_letter.org_id, to_json_bytes(dead_letter).decode())


def epoch_millis(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def make_parse_records(job: str, max_bytes: int, to_row: EventToRow):
    """A ProcessFunction that validates each raw record against its topic's contract."""
    from pyflink.common import Row
    from pyflink.datastream import ProcessFunction

    tag = dlq_tag()

    class ParseRecords(ProcessFunction):
        def process_element(self, raw, ctx):
            value = bytes(raw["value"]) if raw["value"] is not None else None
            result = parse(raw["topic"], value, partition=raw["partition"],
                           offset=raw["offset"], job=job, max_bytes=max_bytes)
            if isinstance(result, DeadLetter):
                yield tag, dead_letter_message(result)
                return
            row = to_row(result)
            if row is None:
                return
            yield Row(epoch_millis(result.event.timestamp), result.event.org_id, raw["topic"],
                      raw["partition"], raw["offset"], value.decode("utf-8"), row)

    return ParseRecords()


def make_split_late(job: str):
    """A ProcessFunction passing on-time events and dead-lettering those behind the watermark."""
    from pyflink.datastream import ProcessFunction

    tag = dlq_tag()

    class SplitLate(ProcessFunction):
        def process_element(self, envelope, ctx):
            watermark = ctx.timer_service().current_watermark()
            if envelope["event_time"] > watermark:
                yield envelope["event"]
                return
            behind = watermark - envelope["event_time"]
            detail = (f"event time {format_timestamp(_from_millis(envelope['event_time']))} is "
                      f"{behind} ms behind the watermark "
                      f"{format_timestamp(_from_millis(watermark))}; its windows have closed")
            yield tag, dead_letter_message(make_dead_letter(
                Reason.LATE_EVENT, detail, value=envelope["original"].encode(),
                topic=envelope["topic"], partition=envelope["partition"],
                offset=envelope["offset"], job=job, org_id=envelope["org_id"]))

    return SplitLate()


def _from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def parsed_events(t_env, config, topics, event_type, to_row):
    """Sources with watermarks -> parse -> late split, as one named, uid'd chain.

    Returns ``(events, dead_letters)``: the on-time typed event rows and every dead letter so
    far as MESSAGE rows.
    """
    from argus_flink.runtime.kafka import raw_source_union

    raw = raw_source_union(t_env, config, topics, event_time=True)
    envelopes = (raw
                 .process(make_parse_records(config.job_name, config.max_payload_bytes, to_row),
                          output_type=envelope_type(event_type))
                 .name("parse and validate").uid("parse-and-validate"))
    events = (envelopes.process(make_split_late(config.job_name), output_type=event_type)
              .name("split late events").uid("split-late-events"))
    dead_letters = envelopes.get_side_output(dlq_tag()).union(events.get_side_output(dlq_tag()))
    return events, dead_letters
