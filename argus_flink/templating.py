"""``${VAR}`` placeholder rendering shared by the SQL scripts and the Flink configuration."""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariableError(KeyError):
    """A template names a variable that was not supplied."""

    def __init__(self, names: list[str], source: str) -> None:
        self.names = names
        self.source = source
        super().__init__(f"{source}: no value for {', '.join('${' + n + '}' for n in names)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


def placeholders(text: str) -> set[str]:
    """Names of the ``${VAR}`` placeholders in ``text``."""
    return set(_PLACEHOLDER.findall(text))


def render(text: str, variables: Mapping[str, object], *, source: str = "<template>") -> str:
    """Substitute every ``${VAR}``; a placeholder without a value is an error, never left as is."""
    missing = sorted(placeholders(text) - variables.keys())
    if missing:
        raise MissingVariableError(missing, source)
    return _PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), text)
