"""What the normaliser replaces and keeps, and its two properties: total and idempotent."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from udfs.failure_text import failure_text, parts_from_error_reported, parts_from_text
from udfs.normalise import normalise


@pytest.mark.parametrize(("raw", "expected"), [
    # memory addresses and object hashes
    ("<app.models.Order object at 0x7f3a1c2b9d30>", "<app.models.Order object at <addr>>"),
    ("bean com.acme.OrderCache@1b6d3586 missing", "bean com.acme.OrderCache@<hex> missing"),
    # line and column numbers
    ('File "/app/x.py", line 42, in f', 'File "<v>", line <n>, in f'),
    ("at Foo.bar(Foo.java:42)", "at Foo.bar(Foo.java:<n>)"),
    ("at run (/app/src/x.ts:12:5)", "at run (/app/src/x.ts:<n>)"),
    ("at node:internal/process/task_queues:95:5", "at node:internal/process/task_queues:<n>"),
    ("Expecting value: line 1 column 17 (char 16)",
     "Expecting value: line <n> column <n> (char 16)"),
    # UUIDs and ids
    ("order 9f1c2a7e-5b6d-4e3f-8a9b-0c1d2e3f4a5b gone", "order <uuid> gone"),
    ("order DEADBEEF-5B6D-4E3F-8A9B-0C1D2E3F4A5B gone", "order <uuid> gone"),
    ("commit 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2", "commit <hex>"),
    ("Session ID: 4e1fa9b2c3d4e5f6", "Session ID: <hex>"),
    ("GET /api/orders/17 failed", "GET /api/orders/<n> failed"),
    ("invoice 20931 not found", "invoice <n> not found"),
    ("was: <shipped-297>", "was: <shipped-<n>>"),
    ("request_id=abc-123 user=alice", "request_id=<n> user=alice"),
    ("mailed alice.smith@example.com", "mailed <email>"),
    # timestamps and dates
    ("at 2026-11-21T10:00:00.123Z", "at <ts>"),
    ("at 2026-11-21 10:00:00,877+01:00", "at <ts>"),
    ("on 2026/11/21 at 10:00:00", "on <date> at <time>"),
    # temp paths
    ("open /tmp/pytest-of-runner/pytest-12/test_x0/a.csv failed",
     "open <tmp> failed"),
    ("in /var/folders/9x/k2l_7d0s5b1g/T/junit77/cache.bin", "in <tmp>"),
    (r"C:\Users\build\AppData\Local\Temp\tmp1a2b\out.json missing", "<tmp> missing"),
    # hosts and ports
    ("connect ECONNREFUSED 127.0.0.1:5432", "connect ECONNREFUSED <ip>:<n>"),
    ("http://localhost:43121/checkout", "http://localhost:<n>/checkout"),
    ("[::1]:8080 refused", "[::1]:<n> refused"),
    # durations
    ("Timeout 30000ms exceeded", "Timeout <dur> exceeded"),
    ("tried for 30 second(s) with 500 milliseconds interval",
     "tried for <dur> with <dur> interval"),
    ("took 1m30s", "took <dur>"),
    # quoted values: data goes, code names stay
    ("assert 'ord_d82c07cd' == 'shipped'", "assert '<v>' == 'shipped'"),
    ('expected "hello world" got "hello"', 'expected "<v>" got "hello"'),
    ("KeyError: 'customer_id'", "KeyError: 'customer_id'"),
    ('Cannot invoke "com.acme.Order.getTotal()" because "order" is null',
     'Cannot invoke "com.acme.Order.getTotal()" because "order" is null'),
    ("can't find user's cart", "can't find user's cart"),
    # what stays
    ("500 Internal Server Error", "500 Internal Server Error"),
    ("[Errno 2] No such file", "[Errno 2] No such file"),
    ("utf-8 and HTTP/1.1", "utf-<n> and HTTP/1.1"),
    # whitespace
    ("a\n\n\tb  c ", "a b c"),
])
def test_replacements(raw, expected):
    assert normalise(raw) == expected


def test_control_characters_and_lone_surrogates_are_made_storable():
    assert normalise("a\x00b\x1bc\ud800d") == "a b c\ufffdd"
    normalise("a\ud800").encode("utf-8")


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"]])
def test_non_text_gives_empty_text(value):
    assert normalise(value) == ""


# --- properties -------------------------------------------------------------------------------

# Fragments that the rules react to, so that generated texts hit the edges of every rule: a
# plain text() strategy alone almost never forms an address, a timestamp or a temp path.
_FRAGMENTS = st.sampled_from([
    "0x", "0X7f", "'", '"', "\\", ":", "/", "/tmp/", "/var/folders/", "-", "_", "T", "Z", "ms",
    "s", " ", "\n", "\t", "<", ">", ".", "@", "=", "id", "ID=", "a", "f", "e", "b", "x", "1",
    "12", "1234", "12345678", "2026-11-21", "10:00:00", "line ", "col", "(", ")", "$", "at ",
    'File "', "Traceback (most recent call last)", "second(s)", " seconds", "\u00b5s", "\x00",
    "\ud800", "localhost", "127.0.0.1", "C:\\Users\\x\\AppData\\Local\\Temp\\", "user@x.io",
    "deadbeef-0000-4000-8000-000000000000", "<n>", "<v>", "'<v>'",
])
_TEXTS = st.one_of(
    st.text(),
    st.lists(_FRAGMENTS, max_size=40).map("".join),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=3)), max_size=40).map("".join),
)
_PROPERTY_SETTINGS = settings(max_examples=1500, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY_SETTINGS
@given(_TEXTS)
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@_PROPERTY_SETTINGS
@given(_TEXTS)
def test_failure_text_is_a_fixed_point_of_normalise(text):
    parts = parts_from_text(text)
    if parts is not None:
        result = failure_text(parts)
        assert normalise(result) == result


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(_TEXTS, st.none(), st.integers()), st.one_of(_TEXTS, st.none()),
       st.one_of(_TEXTS, st.none()))
def test_extraction_never_raises(error_type, value, stack):
    parts = parts_from_error_reported({"title": value,
                                       "exception": {"type": error_type, "value": value,
                                                     "stacktrace": stack}})
    if parts is not None:
        failure_text(parts)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", ["a1" * 7, "1.", "0x", "'a", "at a:1", "/tmp/", "id=", "@a",
                                  "  File \"x\", line 1, in f\n", "\tat a.b(C.java:1)\n"])
def test_pathological_megabyte_inputs_finish(unit):
    text = unit * (1_000_000 // len(unit))
    normalise(text)
    failure_text(parts_from_text(text))
