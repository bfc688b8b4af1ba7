"""Split a Flink SQL script into statements the way Flink's SQL client does.

Semicolons inside quotes, identifiers in backticks and comments do not end a statement, and
``EXECUTE STATEMENT SET BEGIN … END;`` is one statement. Each statement keeps the line it
starts on, so errors can point at ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SET_BEGIN = re.compile(r"^\s*(EXECUTE\s+)?STATEMENT\s+SET\s+BEGIN\b", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    text: str
    line: int  # 1-based line of the statement's first token

    @property
    def kind(self) -> str:
        """First keyword(s), upper-cased: SET, CREATE, INSERT, STATEMENT SET, …"""
        if _SET_BEGIN.match(self.text):
            return "STATEMENT SET"
        return self.text.split(None, 1)[0].upper()


def _strip_comments(text: str) -> str:
    """Blank out comments, keeping newlines so line numbers stay right."""
    out, i, n = [], 0, len(text)
    quote: str | None = None
    while i < n:
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == quote:
                # A doubled quote is an escaped quote, not the end of the literal.
                if i + 1 < n and text[i + 1] == quote:
                    out.append(text[i + 1])
                    i += 1
                else:
                    quote = None
        elif ch in "'\"`":
            quote = ch
            out.append(ch)
        elif text.startswith("--", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.extend(c if c == "\n" else " " for c in text[i:end])
            i = end
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _pieces(text: str) -> list[tuple[str, int]]:
    """Split on semicolons outside quotes; returns (piece, start offset)."""
    pieces, start, quote = [], 0, None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None  # a doubled quote re-opens on the next character
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            pieces.append((text[start:i], start))
            start = i + 1
    pieces.append((text[start:], start))
    return pieces


def split_statements(script: str) -> list[Statement]:
    clean = _strip_comments(script)
    statements: list[Statement] = []
    block: list[str] | None = None
    block_line = 0
    for piece, offset in _pieces(clean):
        body = piece.strip()
        if not body:
            continue
        line = clean.count("\n", 0, offset + len(piece) - len(piece.lstrip())) + 1
        if block is not None:
            if _END.match(body):
                statements.append(Statement("\n".join(block) + "\nEND", block_line))
                block = None
            else:
                block.append(body + ";")
            continue
        match = _SET_BEGIN.match(body)
        if match:
            block, block_line = [], line
            rest = body[match.end():].strip()
            block = [f"EXECUTE STATEMENT SET BEGIN"] + ([rest + ";"] if rest else [])
            continue
        statements.append(Statement(body, line))
    if block is not None:
        raise SyntaxError(f"line {block_line}: STATEMENT SET BEGIN without a matching END;")
    return statements
