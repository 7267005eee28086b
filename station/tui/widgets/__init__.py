"""Pieces the screens are built of: the lane tile and its timer text, the footer, the report view."""
