"""Failure text and fingerprint on realistic Python, Java and JavaScript failures."""

from __future__ import annotations

import pytest

from udfs.failure_text import (
    FailureParts,
    failure_text,
    fingerprint,
    parts_from_error_reported,
    parts_from_event,
    parts_from_test_executed,
    parts_from_text,
    sample_message,
    signature,
)

ORG = "6b0f4bb4-8f43-4a39-9d43-2c4f7e7c1d10"
OTHER_ORG = "0c7a8b52-2a55-4c52-8f0e-5f9e2b1a7c33"


def python_key_error(line: int, address: str, request_id: str, when: str) -> dict:
    return {
        "error_message": "KeyError: 'customer_id'",
        "stack_trace": (
            "Traceback (most recent call last):\n"
            '  File "/app/.venv/lib/python3.11/site-packages/starlette/routing.py", line 74,'
            " in app\n"
            "    response = await func(request)\n"
            f'  File "/app/shop/api/orders.py", line {line}, in create_order\n'
            '    customer = payload["customer_id"]\n'
            "KeyError: 'customer_id'\n"
            f"request_id={request_id} at {when} handler=<function create_order at {address}>"
        ),
    }


def java_npe(line: int, hash_code: str, tmp: str) -> dict:
    return {
        "error_message": (
            'java.lang.NullPointerException: Cannot invoke "com.acme.order.Order.getTotal()" '
            f'because "order" is null (cache {tmp}, bean com.acme.order.OrderCache@{hash_code})'
        ),
        "stack_trace": (
            'java.lang.NullPointerException: Cannot invoke "com.acme.order.Order.getTotal()"\n'
            f"\tat com.acme.order.OrderService.total(OrderService.java:{line})\n"
            f"\tat com.acme.order.OrderServiceTest.totalsOrder(OrderServiceTest.java:{line + 40})\n"
            "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke"
            "(DirectMethodHandleAccessor.java:103)\n"
            "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)\n"
            "\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod"
            "(ReflectionUtils.java:728)\n"
        ),
    }


def js_timeout(line: int, column: int, port: int, duration_ms: int, root: str) -> dict:
    return {
        "error_message": (
            f"TimeoutError: locator.click: Timeout {duration_ms}ms exceeded.\n"
            f"Call log:\n  - navigated to \"http://localhost:{port}/checkout\"\n"
            "  - waiting for getByTestId('place-order')"
        ),
        "stack_trace": (
            f"TimeoutError: locator.click: Timeout {duration_ms}ms exceeded.\n"
            f"    at CheckoutPage.placeOrder ({root}/e2e/pages/checkout.ts:{line}:{column})\n"
            f"    at async Context.<anonymous> ({root}/e2e/checkout.spec.ts:{line + 7}:5)\n"
            "    at processTicksAndRejections (node:internal/process/task_queues:95:5)"
        ),
    }


SAME_FAILURE_VARIANTS = {
    "python": [
        python_key_error(41, "0x7f3a1c2b9d30", "9f1c2a7e-5b6d-4e3f-8a9b-0c1d2e3f4a5b",
                         "2026-11-21T10:00:00.123Z"),
        python_key_error(57, "0x7f99e0a1b2c4", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                         "2026-11-22 18:44:09,877"),
    ],
    "java": [
        java_npe(88, "1b6d3586", "/tmp/junit4412988/cache.bin"),
        java_npe(93, "7a81197d", "/var/folders/9x/k2l_7d0s5b1g/T/junit77/cache.bin"),
    ],
    "javascript": [
        js_timeout(27, 13, 43121, 30000, "/home/runner/work/web/web"),
        js_timeout(31, 21, 51877, 15000, "/builds/acme/web"),
    ],
}


@pytest.mark.parametrize("language", sorted(SAME_FAILURE_VARIANTS))
def test_occurrences_of_one_failure_share_a_fingerprint(language):
    first, second = (parts_from_test_executed(event) for event in SAME_FAILURE_VARIANTS[language])
    assert signature(ORG, first) == signature(ORG, second)


def test_different_failures_have_different_fingerprints():
    representatives = [variants[0] for variants in SAME_FAILURE_VARIANTS.values()]
    fingerprints = {signature(ORG, parts_from_test_executed(e)).fingerprint
                    for e in representatives}
    assert len(fingerprints) == len(representatives)


def test_same_error_in_another_function_is_another_failure():
    event = python_key_error(41, "0x7f3a1c2b9d30", "9f1c2a7e-5b6d-4e3f-8a9b-0c1d2e3f4a5b",
                             "2026-11-21T10:00:00.123Z")
    moved = dict(event, stack_trace=event["stack_trace"].replace("create_order", "cancel_order"))
    assert (signature(ORG, parts_from_test_executed(event))
            != signature(ORG, parts_from_test_executed(moved)))


def test_fields_named_in_quotes_tell_failures_apart():
    a = parts_from_test_executed({"error_message": "KeyError: 'customer_id'"})
    b = parts_from_test_executed({"error_message": "KeyError: 'order_id'"})
    assert signature(ORG, a) != signature(ORG, b)


def test_fingerprint_is_per_org():
    parts = parts_from_test_executed(SAME_FAILURE_VARIANTS["java"][0])
    mine, theirs = signature(ORG, parts), signature(OTHER_ORG, parts)
    assert mine.text == theirs.text
    assert mine.fingerprint != theirs.fingerprint
    assert mine.fingerprint == fingerprint(ORG, mine.text)
    assert len(mine.fingerprint) == 64 and int(mine.fingerprint, 16) >= 0


def test_failure_text_keeps_type_message_and_innermost_frames():
    parts = parts_from_test_executed(SAME_FAILURE_VARIANTS["java"][0])
    assert failure_text(parts) == (
        'java.lang.NullPointerException: Cannot invoke "com.acme.order.Order.getTotal()" '
        'because "order" is null (cache <tmp>, bean com.acme.order.OrderCache@<hex>) | '
        "com.acme.order.OrderService.total (OrderService.java) | "
        "com.acme.order.OrderServiceTest.totalsOrder (OrderServiceTest.java)"
    )


def test_frames_are_limited_innermost_first():
    parts = parts_from_test_executed(SAME_FAILURE_VARIANTS["python"][0])
    assert failure_text(parts, max_frames=1) == (
        "KeyError: 'customer_id' | create_order (api/orders.py)")


# --- extraction from the two event shapes ---------------------------------------------------


def test_test_executed_message_is_split_into_type_and_value():
    parts = parts_from_test_executed(SAME_FAILURE_VARIANTS["javascript"][0])
    assert parts.error_type == "TimeoutError"
    assert parts.message.startswith("locator.click: Timeout 30000ms exceeded.")


def test_test_executed_without_a_type_takes_it_from_the_stack():
    event = {"error_message": "Page.click: Timeout 30000ms exceeded.",
             "stack_trace": 'Traceback (most recent call last):\n  File "/app/t.py", line 3, in t\n'
                            "    page.click(sel)\n"
                            "playwright._impl._errors.TimeoutError: Page.click: Timeout 30000ms"}
    parts = parts_from_test_executed(event)
    assert parts.error_type == "playwright._impl._errors.TimeoutError"
    assert parts.message == "Page.click: Timeout 30000ms exceeded."


def test_error_reported_and_test_executed_agree_on_the_same_failure():
    executed = SAME_FAILURE_VARIANTS["java"][0]
    type_, value = executed["error_message"].split(": ", 1)
    reported = {"title": f"{type_}: {value.splitlines()[0]}",
                "exception": {"type": type_, "value": value,
                              "stacktrace": executed["stack_trace"]}}
    assert parts_from_error_reported(reported) == parts_from_test_executed(executed)


def test_event_type_selects_the_shape():
    executed = SAME_FAILURE_VARIANTS["java"][0]
    type_, value = executed["error_message"].split(": ", 1)
    reported = {"event_type": "error.reported",
                "exception": {"type": type_, "value": value,
                              "stacktrace": executed["stack_trace"]}}
    assert parts_from_event(reported) == parts_from_error_reported(reported)
    assert parts_from_event(dict(executed, event_type="test.executed")) == (
        parts_from_test_executed(executed))


def test_error_reported_falls_back_to_the_title():
    parts = parts_from_error_reported({"title": "ValueError: invalid literal for int()",
                                       "exception": {"type": None, "value": None}})
    assert parts == FailureParts("ValueError", "invalid literal for int()", "")


@pytest.mark.parametrize("event", [
    {}, {"error_message": None, "stack_trace": None}, {"error_message": ""},
    {"error_message": 42}, None, "not a mapping",
])
def test_events_without_a_failure_give_none(event):
    assert parts_from_test_executed(event) is None
    assert parts_from_error_reported(event) is None


def test_pasted_text_splits_message_and_frames():
    text = ("TypeError: Cannot read properties of undefined (reading 'id')\n"
            "    at CartService.addItem (/app/src/services/cart.ts:88:31)")
    parts = parts_from_text(text)
    assert parts.error_type == "TypeError"
    assert parts.message == "Cannot read properties of undefined (reading 'id')"
    assert failure_text(parts) == (
        "TypeError: Cannot read properties of undefined (reading 'id') | "
        "CartService.addItem (services/cart.ts)")


def test_sample_message_is_the_first_line_as_it_occurred():
    parts = parts_from_test_executed(SAME_FAILURE_VARIANTS["javascript"][0])
    assert sample_message(parts) == "TimeoutError: locator.click: Timeout 30000ms exceeded."
    assert sample_message(FailureParts("E", "a\x00b\ud800", "")) == "E: ab?"
    assert len(sample_message(FailureParts("E", "x" * 5000, ""), limit=100)) == 100
