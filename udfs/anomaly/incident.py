"""Once per incident: hysteresis and cool-down shared by every detector.

    QUIET --anomalous--> ACTIVE (report) --calm--> COOLING --cool-down over--> QUIET
                                 ^                    |
                                 +-----anomalous------+   (same incident: no new report)

Between "anomalous" and "calm" lies a band where an open incident stays open, so a value
hovering around the threshold cannot open and close incidents on alternate observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Phase(IntEnum):
    QUIET = 0
    ACTIVE = 1
    COOLING = 2


@dataclass(slots=True)
class Incident:
    phase: int = int(Phase.QUIET)  # a plain int, as the Flink state row stores it
    started_at: int = 0  # event time of the open incident's first evidence
    cooling_until: int = 0

    @property
    def active(self) -> bool:
        return self.phase == Phase.ACTIVE

    def step(self, now: int, *, anomalous: bool, calm: bool, evidence_start: int,
             cooldown_ms: int) -> bool:
        """Advance on one observation at event time ``now``; True when a new incident opens."""
        if self.phase == Phase.COOLING and now >= self.cooling_until:
            self.phase = int(Phase.QUIET)
        if anomalous:
            opened = self.phase == Phase.QUIET
            if opened:
                self.started_at = evidence_start
            self.phase = int(Phase.ACTIVE)
            return opened
        if self.phase == Phase.ACTIVE and calm:
            self.phase = int(Phase.COOLING)
            self.cooling_until = now + cooldown_ms
        return False
