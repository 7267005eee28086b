"""The paper: 58 mm receipt paper is 32 columns, and a Chinese character takes 2 of them.

Lines are cut, centred and paired by display width, never by character count. Pure: no I/O.
"""

from __future__ import annotations

import unicodedata

WIDTH = 32


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    # Ambiguous-width characters (³, ·, ×) print wide in Chinese printer fonts, so they count as 2.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def _wrap_chars(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current, used = "", 0
    for ch in text:
        w = char_width(ch)
        if used + w > width:
            lines.append(current)
            current, used = "", 0
        current += ch
        used += w
    lines.append(current)
    return lines


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """Cut ``text`` into lines of at most ``width`` columns: at spaces where it can, never inside a wide
    character."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if display_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _wrap_chars(word, width)
        lines.extend(pieces[:-1])
        current = pieces[-1]
    lines.append(current)
    return [line.rstrip() for line in lines]


def center(text: str, width: int = WIDTH) -> list[str]:
    out = []
    for line in wrap(text, width):
        pad = (width - display_width(line)) // 2
        out.append(" " * pad + line)
    return out


def pair(label: str, value: str, width: int = WIDTH) -> list[str]:
    """``label        value`` on one line, or the value right-aligned on the next line when it does not fit."""
    gap = width - display_width(label) - display_width(value)
    if gap >= 1:
        return [label + " " * gap + value]
    lines = wrap(label, width)
    for part in wrap(value, width):
        lines.append(" " * (width - display_width(part)) + part)
    return lines
