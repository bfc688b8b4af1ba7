"""What validation reports: one finding per problem, printed one per line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    """A problem (``error``) or a limit of the check worth knowing (``note``)."""

    file: str
    obj: str  # "Kind/name"
    path: str  # JSON field path such as spec.job.upgradeMode; "" for the whole object
    message: str
    severity: Literal["error", "note"] = "error"

    def __str__(self) -> str:
        text = f"{self.file}: {self.obj}: {self.path or '(object)'}: {self.message}"
        return text if self.severity == "error" else f"note: {text}"


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
