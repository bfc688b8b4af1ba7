"""The once-per-incident state machine: hysteresis band and cool-down."""

from __future__ import annotations

from udfs.anomaly.incident import Incident, Phase

COOLDOWN = 100


def step(incident: Incident, now: int, *, anomalous: bool = False, calm: bool = False) -> bool:
    return incident.step(now, anomalous=anomalous, calm=calm, evidence_start=now,
                         cooldown_ms=COOLDOWN)


def test_an_incident_is_reported_once_while_it_lasts():
    incident = Incident()
    assert step(incident, 10, anomalous=True) is True
    assert [step(incident, t, anomalous=True) for t in (20, 30, 40)] == [False, False, False]
    assert incident.phase == Phase.ACTIVE
    assert incident.started_at == 10


def test_values_inside_the_hysteresis_band_keep_the_incident_open():
    incident = Incident()
    step(incident, 10, anomalous=True)
    step(incident, 20)  # neither anomalous nor calm
    assert incident.phase == Phase.ACTIVE
    assert step(incident, 30, anomalous=True) is False


def test_relapse_during_the_cool_down_continues_the_same_incident():
    incident = Incident()
    step(incident, 10, anomalous=True)
    step(incident, 20, calm=True)
    assert incident.phase == Phase.COOLING
    assert step(incident, 119, anomalous=True) is False
    assert incident.started_at == 10


def test_after_the_cool_down_a_new_incident_is_reported():
    incident = Incident()
    step(incident, 10, anomalous=True)
    step(incident, 20, calm=True)
    assert step(incident, 120, anomalous=True) is True
    assert incident.started_at == 120
