"""Failure text and fingerprint: what the failure-embeddings and knowledge-graph jobs key on.

A failure is reduced to ``error type: message`` plus its top stack frames, normalised so that
every occurrence of the same failure gives the same text (see ``udfs.normalise``). The
fingerprint is the sha256 of that text *and the org*:

- ``failure_patterns`` is keyed by (org_id, fingerprint) and the graph's ``Error`` nodes by
  ``fingerprint`` within an org. Hashing the org in makes a fingerprint unique across tenants,
  so a MERGE on the fingerprint alone can never join two orgs' nodes, and one org's
  fingerprints reveal nothing about another's.
- Similarity across orgs is never wanted (the embeddings are compared within an org only), so
  nothing is lost.

Every function here is pure, and total: any input, of any type, gives a result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from udfs.normalise import normalise
from udfs.stack_frames import MAX_SCANNED_CHARS, PYTHON_TRACEBACK, top_frames

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "FailureParts",
    "FailureSignature",
    "failure_text",
    "fingerprint",
    "normalise",
    "parts_from_error_reported",
    "parts_from_event",
    "parts_from_test_executed",
    "parts_from_text",
    "sample_message",
    "signature",
]

DEFAULT_MAX_FRAMES = 5
# The message is cut to its first lines and characters before it is normalised, to leave room
# for the frames within the embedding model's 256 tokens. Cutting at a line boundary keeps the
# cut in the same place for every occurrence unless a single line runs past the limit.
MESSAGE_LINES = 8
MESSAGE_CHARS = 800

# "java.lang.IllegalStateException: …", "AssertionError: …", "Foo$Bar: …"
_TYPE_PREFIX = re.compile(
    r"\s*(?P<type>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){0,30})(?::\s*|\s*\n|\s*$)"
)
# A prefix is an exception type only if it is named like one; "Page.click: Timeout" is not.
_TYPE_NAME_END = re.compile(
    r"(?:Error|Exception|Failure|Failed|Fault|Warning|Interrupt|Exit|Timeout|Rejection)$"
)
_STACK_FRAME_LINE = re.compile(r"^\s*(?:at\s|File\s\"|Traceback\s|\.\.\.\s|Caused by:)")


@dataclass(frozen=True, slots=True)
class FailureParts:
    """What a failure event says about the failure, before normalisation."""

    error_type: str
    message: str
    stack: str


@dataclass(frozen=True, slots=True)
class FailureSignature:
    """The normalised failure text (what is embedded) and its per-org fingerprint."""

    fingerprint: str
    text: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _split_type(line: str) -> tuple[str, str]:
    """("Type", "rest") when ``line`` starts with an exception type, else ("", line)."""
    match = _TYPE_PREFIX.match(line)
    if match and _TYPE_NAME_END.search(match.group("type")):
        return match.group("type"), line[match.end():]
    return "", line


def _exception_line(stack: str) -> tuple[str, str]:
    """The (type, message) a stack trace states: last in Python's order, first in the others."""
    if PYTHON_TRACEBACK in stack:
        lines = reversed(stack[-MAX_SCANNED_CHARS:].splitlines())
    else:
        lines = iter(stack[:MAX_SCANNED_CHARS].splitlines())
    for line in lines:
        if not line.strip() or line[:1].isspace() or _STACK_FRAME_LINE.match(line):
            continue
        error_type, rest = _split_type(line)
        if error_type:
            return error_type, rest
    return "", ""


def _parts(error_type: str, message: str, stack: str, title: str = "") -> FailureParts | None:
    if not error_type:
        error_type, message_without_type = _split_type(message)
        if error_type:
            message = message_without_type
    if not error_type and stack:
        error_type, stated = _exception_line(stack)
        message = message or stated
    if not message and title:
        title_type, rest = _split_type(title)
        # The title repeats the type ("ValueError: …") unless it names another one.
        message = rest if not error_type or title_type == error_type else title
        error_type = error_type or title_type
    if not (error_type or message or stack):
        return None
    return FailureParts(error_type, message, stack)


def parts_from_test_executed(event: Mapping[str, Any]) -> FailureParts | None:
    """A TestExecutedEvent's failure (``error_message`` "Type: value", ``stack_trace``).

    None when the event carries neither a message nor a stack trace.
    """
    if not isinstance(event, Mapping):
        return None
    return _parts("", _text(event.get("error_message")), _text(event.get("stack_trace")))


def parts_from_error_reported(event: Mapping[str, Any]) -> FailureParts | None:
    """An ErrorReportedEvent's failure: ``exception.type/value/stacktrace``, else ``title``."""
    if not isinstance(event, Mapping):
        return None
    exception = event.get("exception")
    if not isinstance(exception, Mapping):
        exception = {}
    return _parts(
        _text(exception.get("type")).strip(),
        _text(exception.get("value")),
        _text(exception.get("stacktrace")),
        title=_text(event.get("title")),
    )


def parts_from_event(event: Mapping[str, Any]) -> FailureParts | None:
    """Either event shape, told apart by ``event_type`` (``error.reported`` or a test event)."""
    if isinstance(event, Mapping) and event.get("event_type") == "error.reported":
        return parts_from_error_reported(event)
    return parts_from_test_executed(event)


def parts_from_text(text: str) -> FailureParts | None:
    """A failure pasted as text (``argus-flink similar``): message lines, then any frames."""
    text = _text(text)
    lines = text.splitlines()
    first_frame = next((i for i, line in enumerate(lines) if _STACK_FRAME_LINE.match(line)),
                       len(lines))
    message = "\n".join(lines[:first_frame])
    return _parts("", message, text if first_frame < len(lines) else "")


def _leading_lines(text: str) -> str:
    lines = text[: MESSAGE_LINES * MESSAGE_CHARS].splitlines()[:MESSAGE_LINES]
    return "\n".join(lines)[:MESSAGE_CHARS]


def failure_text(parts: FailureParts, max_frames: int = DEFAULT_MAX_FRAMES) -> str:
    """The normalised text of a failure: ``type: message | frame | frame …``."""
    error_type = _text(parts.error_type).strip()
    message = _leading_lines(_text(parts.message))
    head = f"{error_type}: {message}" if error_type and message else error_type or message
    frames = top_frames(_text(parts.stack), max_frames)
    # One normalisation of the whole: frames can hold ids and temp paths too.
    return normalise(" | ".join([head, *frames]))


def fingerprint(org_id: str, text: str) -> str:
    """sha256 hex of the org and the normalised text; the org makes it unique per tenant."""
    # NUL cannot occur in a PostgreSQL text value, so it cannot occur in an org id either.
    payload = f"{_text(org_id)}\x00{_text(text)}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(payload).hexdigest()


def signature(org_id: str, parts: FailureParts, max_frames: int = DEFAULT_MAX_FRAMES
              ) -> FailureSignature:
    text = failure_text(parts, max_frames)
    return FailureSignature(fingerprint(org_id, text), text)


def sample_message(parts: FailureParts, limit: int = 500) -> str:
    """A human-readable one-line message as it occurred (not normalised), safe to store."""
    first_line = next((line.strip() for line in _text(parts.message).splitlines()
                       if line.strip()), "")
    error_type = _text(parts.error_type)
    head = f"{error_type}: {first_line}" if error_type else first_line
    head = head.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return head[:limit] if len(head) > limit else head
