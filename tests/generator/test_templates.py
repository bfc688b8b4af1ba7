from __future__ import annotations

import random

import pytest

from argus_flink.generator.templates import TEMPLATES, Language, Role, Site, templates_for

SITE = Site(
    root="/home/runner/work/shop/shop",
    test_file="tests/orders/test_orders.py",
    test_function="test_creates_order",
    test_line=42,
    source_file="app/orders/service.py",
    source_function="create_order",
    source_line=120,
    noun="order",
    field="status",
    selector="order-submit",
    expected="paid",
    package="acme.shop",
)
WHEN = "2026-11-21T10:00:00.123Z"
FRAME_MARKERS = {
    Language.PYTHON: 'File "',
    Language.TYPESCRIPT: "    at ",
    Language.JAVA: "\tat ",
}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_template_renders_a_multi_line_trace_in_its_language(key):
    template = TEMPLATES[key]
    failure = template.render(SITE, random.Random(1), WHEN)

    assert failure.message.startswith(f"{failure.exception_type}: ")
    assert failure.exception_type and failure.exception_value
    assert FRAME_MARKERS[template.language] in failure.stack_trace
    assert template.status in ("failed", "error")
    if template.language is Language.PYTHON:
        assert failure.stack_trace.startswith("Traceback (most recent call last):")


def test_templates_cover_the_required_failure_families():
    messages = " ".join(
        t.render(SITE, random.Random(2), WHEN).message for t in TEMPLATES.values()
    )

    for expected in (
        "AssertionError",
        "TimeoutError",
        "element(s) not found",
        "500",
        "AxiosError",
        "NullPointerException",
        "Cannot read properties of undefined",
    ):
        assert expected in messages


def test_variable_parts_change_between_occurrences():
    varying = 0
    for template in TEMPLATES.values():
        first = template.render(SITE, random.Random(1), WHEN)
        second = template.render(SITE, random.Random(2), WHEN)
        varying += first.stack_trace != second.stack_trace
    assert varying >= len(TEMPLATES) // 2


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("role", list(Role))
def test_every_language_has_a_template_for_every_role(language, role):
    assert templates_for(language, role)
