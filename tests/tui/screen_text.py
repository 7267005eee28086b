"""What a person sees: the composed screen, row by row, as plain text (every layer, toasts included)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App
from textual.geometry import Region


def screen_rows(app: App[object]) -> list[str]:
    """The rows of the whole terminal, top to bottom, trailing blanks trimmed."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_rows(app))


def widest(rows: list[str]) -> int:
    return max((cell_len(row) for row in rows), default=0)


def region_rows(app: App[object], region: Region) -> list[str]:
    """The rows of one part of the screen (a widget's region), cut by cells: Chinese is two cells wide."""
    strips = app.screen._compositor.render_strips()[region.y : region.bottom]
    return ["".join(segment.text for segment in strip.crop(region.x, region.right)) for strip in strips]
