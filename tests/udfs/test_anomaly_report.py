"""The demo's anomalies table renders rows of every kind readably."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from argus_flink.reports.anomalies import AnomalyRow, anomalies_table_of

AT = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)


def render(table) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_each_kind_shows_its_values_in_its_own_unit():
    rows = [
        AnomalyRow("i1", "0d2b4e1c-0000-4000-8000-00000000a001", "checkout",
                   "failure_rate_spike", "checkout", 0.8, 0.0125, 40.0, "high", AT, AT),
        AnomalyRow("i2", "org", "checkout", "duration_regression", "test-24", 400.0, 100.0,
                   27.7, "high", AT, AT),
        AnomalyRow("i3", "org", None, "flaky_test", "test-7", 0.8333, None, 5.0, "high", AT, AT),
        AnomalyRow("i4", "org", "checkout", "error_burst", "checkout", 15.0, 0.0, 15.0,
                   "medium", AT, AT),
    ]
    text = render(anomalies_table_of(rows, title="recent"))
    assert "0d2b4e1c " in text  # a UUID shortened to its first block
    assert "80%" in text and "1%" in text
    assert "400 ms" in text and "100 ms" in text
    assert "83% flips" in text and "(none)" in text and "–" in text
    assert "15.0 errors" in text and "medium" in text
    assert "2026-03-02 04:30" in text
