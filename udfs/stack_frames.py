"""The top frames of a Python, Java or JavaScript stack trace, as short stable strings.

A frame becomes ``function (dir/file)``: no line or column (they move with every edit), and
only the last two path components, so the same code gives the same frame whichever checkout
or container root it ran from. Frames are returned innermost first, whatever the language's
own order. Runtime plumbing (reflection, test runners, node internals) is skipped: it is the
same under every failure and says nothing about which failure this is.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

# The innermost frames sit at the start of a Java or JS trace and at the end of a Python one;
# a recursion overflow can print a megabyte of frames, and only this much of it is read.
MAX_SCANNED_CHARS = 256 * 1024

PYTHON_TRACEBACK = "Traceback (most recent call last)"

# File "/app/x.py", line 42, in handler
_PYTHON_FRAME = re.compile(r'^\s*File "(?P<file>[^"\n]*)", line \d+(?:, in (?P<func>[^\n]*))?')
# pytest's long format: "tests/test_api.py:42: in test_create"
_PYTEST_FRAME = re.compile(r"^(?P<file>[^\s:]+\.py):\d+: in (?P<func>\S+)")
# V8: "at Foo.bar (/app/x.ts:12:5)", "at async fn (file:///x.js:1:2)", "at /app/x.ts:12:5"
_JS_FRAME = re.compile(
    r"^\s*at (?:(?P<func>[^\n()]+?) \()?(?P<file>[^\s()]+?):\d+(?::\d+)?\)?\s*$"
)
# Java: "at com.acme.Foo.bar(Foo.java:42)", "at java.base/jdk.internal…(Native Method)"
_JAVA_FRAME = re.compile(r"^\s*at (?:[\w.$-]*/{1,2})?(?P<func>[\w$.<>]+)\((?P<file>[^)\n]*)\)")
# Firefox and Safari: "fn@https://app/x.js:12:5"
_GECKO_FRAME = re.compile(r"^\s*(?P<func>[^@\s]*)@(?P<file>\S+?):\d+(?::\d+)?\s*$")

_LINE_SUFFIX = re.compile(r":\d+$")
_PATH_SEPARATORS = re.compile(r"[\\/]+")

# Frames that every failure on a runtime shares: reflection, test runners, event loops.
_PLUMBING_FUNCTION = re.compile(
    r"^(?:jdk\.internal\.|sun\.reflect\.|java\.lang\.reflect\.|java\.lang\.Thread\.run"
    r"|org\.junit\.platform\.|org\.junit\.jupiter\.engine\.|org\.junit\.runners?\.)"
)
_PLUMBING_FILE = re.compile(r"^node:|^internal/|[\\/]_pytest[\\/]|[\\/]pluggy[\\/]")


def _is_plumbing(func: str, file: str) -> bool:
    return bool(_PLUMBING_FUNCTION.match(func) or _PLUMBING_FILE.search(file))


def _short_path(path: str) -> str:
    """The last two components of a path or URL, which survive a change of checkout root."""
    parts = [part for part in _PATH_SEPARATORS.split(path) if part]
    return "/".join(parts[-2:])


def _format(func: str, file: str) -> str:
    where = f"({_short_path(file)})" if file else ""
    return f"{func} {where}".strip() if func else where


def _python_frames(stack: str) -> Iterator[tuple[str, str]]:
    # Only the last traceback: with chained exceptions it is the one that was raised.
    block = stack[stack.rfind(PYTHON_TRACEBACK):][-MAX_SCANNED_CHARS:]
    for line in block.splitlines():
        match = _PYTHON_FRAME.match(line) or _PYTEST_FRAME.match(line)
        if match:
            yield (match.group("func") or "").strip(), match.group("file")


def _pytest_frames(stack: str) -> Iterator[tuple[str, str]]:
    for line in stack[-MAX_SCANNED_CHARS:].splitlines():
        match = _PYTEST_FRAME.match(line)
        if match:
            yield match.group("func"), match.group("file")


def _call_frames(stack: str) -> Iterator[tuple[str, str]]:
    """Java, V8 and Gecko frames of the first exception (up to its "Caused by:")."""
    seen_frame = False
    for line in stack[:MAX_SCANNED_CHARS].splitlines():
        stripped = line.strip()
        if seen_frame and (stripped.startswith("Caused by:") or stripped.startswith("... ")):
            return
        match = _JS_FRAME.match(line) or _JAVA_FRAME.match(line) or _GECKO_FRAME.match(line)
        if match:
            seen_frame = True
            yield (match.group("func") or "").strip(), _LINE_SUFFIX.sub("", match.group("file"))


def _innermost_last(frames: Iterator[tuple[str, str]], limit: int) -> list[str]:
    kept: deque[str] = deque(maxlen=limit)
    kept.extend(_format(func, file) for func, file in frames if not _is_plumbing(func, file))
    return list(reversed(kept))


def top_frames(stack: str, limit: int) -> list[str]:
    """The ``limit`` innermost frames of ``stack`` that are not runtime plumbing."""
    if not isinstance(stack, str) or not stack or limit <= 0:
        return []
    if PYTHON_TRACEBACK in stack:
        return _innermost_last(_python_frames(stack), limit)
    pytest_frames = _innermost_last(_pytest_frames(stack), limit)
    if pytest_frames:
        return pytest_frames
    frames: list[str] = []
    for func, file in _call_frames(stack):
        if not _is_plumbing(func, file):
            frames.append(_format(func, file))
            if len(frames) == limit:
                break
    return frames
