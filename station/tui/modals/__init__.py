"""The terminal's small modal boxes shared by several screens: a manager's credentials, an abort reason, leaving
with work open, closing the day, clearing a leak lock, and the demo's simulator panel.

Each shows its keys inside the box (⏎ · Esc), translated.
"""
