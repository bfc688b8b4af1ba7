"""Normalise a failure text: replace what varies between occurrences of the same failure.

Two occurrences of one failure differ in memory addresses, line numbers, ids, timestamps, temp
paths, ports, durations and quoted values. Each becomes a fixed placeholder (``<addr>``,
``<uuid>``, ``<n>`` …), so the occurrences normalise to one text and one fingerprint.

Speed: this runs once per failure event. Every pattern starts with a character class or a
literal, so the regex engine skips ahead to candidate characters instead of trying a match at
every position (a "not inside a word" condition is a lookbehind placed after that first
character); rules with a rare trigger run only when the trigger occurs; every repetition is
bounded or linear, so no input makes a pattern backtrack badly.

Idempotence in one pass: a placeholder ends in ``>`` where the replaced text ended in a letter
or digit, so every "not preceded by a letter or digit" condition also refuses ``>`` (and every
"not followed by" refuses ``<``). A match an earlier rule declined next to a later rule's
placeholder is then declined again on a second pass, and ``normalise(normalise(x))`` equals
``normalise(x)`` (fuzzed in the tests). The quoted-value rule runs last.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

# Placeholders: lower-case words in angle brackets, which no rule matches again and which
# tokenisers split into ordinary tokens.
ADDRESS = "<addr>"
UUID = "<uuid>"
TIMESTAMP = "<ts>"
DATE = "<date>"
TIME = "<time>"
TEMP_PATH = "<tmp>"
EMAIL = "<email>"
IP = "<ip>"
HEX = "<hex>"
NUMBER = "<n>"
DURATION = "<dur>"
QUOTED = "<v>"

# Characters that end a path inside a message: whitespace, quotes, brackets and separators.
_PATH_CHARS = r"[^\s'\"<>()\[\]{},;]*"
_HEX_UUID_TAIL = r"[0-9a-fA-F]{7}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UNIT = r"(?:ms|us|\u00b5s|ns|s|m|h)"

Replacement = str | Callable[[re.Match[str]], str]


class _Rule(NamedTuple):
    triggers: tuple[str, ...]  # run only if one of these occurs in the lower-cased text
    pattern: re.Pattern[str]
    replacement: Replacement


def _rule(triggers: tuple[str, ...], pattern: str, replacement: Replacement) -> _Rule:
    return _Rule(triggers, re.compile(pattern, re.ASCII), replacement)


def _first_group_placeholder(placeholders: tuple[str, ...]) -> Callable[[re.Match[str]], str]:
    """For a pattern of alternative groups: the placeholder of the group that matched."""
    def replace(match: re.Match[str]) -> str:
        return placeholders[(match.lastindex or 1) - 1]
    return replace


# Everything that starts with a digit, as one pattern: the engine skips to the next digit and
# tries the branches in order, so one scan does the work of ten. Each branch's lookbehind is
# taken after that first digit.
_DIGIT_BRANCHES: tuple[tuple[str, str], ...] = (
    (TIMESTAMP, r"(?<![\d>]\d)\d{3}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
                r"(?:Z|[+-]\d{2}:?\d{2})?(?![\d<])"),
    (DATE, r"(?<![\d>]\d)\d{3}[-/]\d{2}[-/]\d{2}(?![\d<])"),
    (TIME, r"(?<![\d>]\d)\d?:\d{2}:\d{2}(?:[.,]\d{1,9})?(?![\d<])"),
    # Python's "<Foo object at 0x7f…>", C pointers, JVM lambda classes ("$$Lambda/0x…").
    (ADDRESS, r"(?<=0)(?<![0-9A-Za-z>]0)[xX][0-9a-fA-F]+"),
    (IP, r"(?<![\d.>]\d)\d{0,2}(?:\.\d{1,3}){3}(?![\d.<])"),
    (DURATION, r"(?<![\w.>]\d)\d*(?:\.\d+)?" + _UNIT + r"(?:\d+(?:\.\d+)?" + _UNIT + r")*"
               r"(?![\w<])"),
    (DURATION, r"(?<![\w.>]\d)\d*(?:\.\d+)? ?(?i:milliseconds?|seconds?|secs?|minutes?|mins?"
               r"|hours?)(?:\(s\)|(?![\w<]))"),
    # Numeric ids: four digits or more, or any number suffixed to a name ("order-17",
    # "worker_3"); short free-standing numbers ("status code 500", "[Errno 2]") stay.
    (NUMBER, r"(?<![0-9A-Za-z.>]\d)\d{3,}(?![0-9A-Za-z<])"),
    (NUMBER, r"(?<=[A-Za-z][_-]\d)\d*(?![0-9A-Za-z<])"),
    # Hex ids (git shas, session ids, span ids) of eight characters or more.
    (HEX, r"(?<![0-9A-Za-z>]\d)[0-9a-fA-F]{7,}(?![0-9A-Za-z<])"),
)

# In order: paths and UUIDs hold digits that the digit rule would otherwise cut apart, and
# e-mail addresses hold dots that would read as an IP.
_RULES: tuple[_Rule, ...] = (
    # Temp paths vary with every run: pytest's /tmp/pytest-of-x/pytest-12, macOS
    # /var/folders/…, Windows %TEMP%.
    _rule(("tmp/", "var/folders/"),
          r"/(?<![\w.~>-]/)(?:private/)?(?:var/folders|var/tmp|tmp)/" + _PATH_CHARS,
          TEMP_PATH),
    _rule(("\\temp", "/temp"),
          r"[A-Za-z](?<![\w>][A-Za-z]):[\\/](?i:users[\\/][^\\/\s]{1,100}[\\/]appdata[\\/]local"
          r"|windows)[\\/](?i:temp)(?:[\\/]" + _PATH_CHARS + r")?",
          TEMP_PATH),
    _rule(("@",), r"[\w.+-](?<![\w.+>-][\w.+-])[\w.+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
          EMAIL),
    # Java's default toString: "com.acme.User@1b6d3586".
    _rule(("@",), r"@(?<=[\w$]@)[0-9a-fA-F]{4,}(?![0-9A-Za-z<])", "@" + HEX),
    # "request_id=…", "id=…": whatever follows an id key is an id.
    _rule(("id=",), r"([Ii](?<![0-9A-Za-z>][Ii])[Dd])=[^\s,;&'\")\]}<]+", r"\1=" + NUMBER),
    _rule(("-",),
          r"[0-9a-fA-F](?<![0-9A-Za-z>][0-9a-fA-F])" + _HEX_UUID_TAIL + r"(?![0-9A-Za-z<])",
          UUID),
    _rule((), r"\d(?:" + "|".join(f"({branch})" for _, branch in _DIGIT_BRANCHES) + ")",
          _first_group_placeholder(tuple(placeholder for placeholder, _ in _DIGIT_BRANCHES))),
    # Hex ids that start with a letter. No English word is eight letters from a to f.
    _rule((), r"[a-fA-F](?<![0-9A-Za-z>][a-fA-F])[0-9a-fA-F]{7,}(?![0-9A-Za-z<])", HEX),
    # Line and column after a name ("Foo.java:42", "app.ts:12:5", "node:internal/x:95:5")
    # and a port after a host ("localhost:5432", "<ip>:61234", "[::1]:8080").
    _rule((":",), r":(?<=[\w\])>-]:)\d+(?::\d+)?", ":" + NUMBER),
    _rule(("line", "col", "offset", "position"),
          r"(line|Line|column|Column|col|Col|offset|Offset|position|Position) ?\d+",
          r"\1 " + NUMBER),
    # A numeric path segment: "/orders/17".
    _rule(("/",), r"/\d+(?![\w.<])", "/" + NUMBER),
)

# A quoted value: '…' or "…" up to 200 characters, not opened inside a word ("can't" and
# "user's" are not quotes).
_QUOTED = re.compile(
    r"'(?<![0-9A-Za-z]')(?P<single>(?:[^'\\\n]|\\.){0,200})'"
    r"|\"(?<![0-9A-Za-z]\")(?P<double>(?:[^\"\\\n]|\\.){0,200})\"",
    re.ASCII,
)
# Code names ('email', "user", 'checkout-button', "com.acme.User.getEmail()") are the same in
# every occurrence and say which failure this is, so they stay; a value holding a digit, a
# space or other punctuation is data and becomes a placeholder.
_CODE_NAME = re.compile(r"[A-Za-z_$][A-Za-z_$.\-]{0,79}(?:\(\))?", re.ASCII)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _replace_quoted(match: re.Match[str]) -> str:
    single = match.group("single")
    content = single if single is not None else match.group("double")
    if _CODE_NAME.fullmatch(content):
        return match.group(0)
    quote = "'" if single is not None else '"'
    return f"{quote}{QUOTED}{quote}"


def normalise(text: str) -> str:
    """The failure text with every varying part replaced by a placeholder, on one line."""
    if not isinstance(text, str):
        return ""
    # Runs of whitespace carry no meaning. Lone surrogates (possible from JSON "\ud800") and
    # control characters cannot be stored in PostgreSQL or encoded as UTF-8.
    text = " ".join(text.split())
    if not text.isprintable():
        text = _SURROGATE.sub("\ufffd", text)
        text = " ".join(_CONTROL.sub(" ", text).split())
    # No replacement creates a trigger, so the triggers are looked up once.
    lowered = text.lower()
    for triggers, pattern, replacement in _RULES:
        if not triggers or any(trigger in lowered for trigger in triggers):
            text = pattern.sub(replacement, text)
    if "'" in text or '"' in text:
        text = _QUOTED.sub(_replace_quoted, text)
    return text
