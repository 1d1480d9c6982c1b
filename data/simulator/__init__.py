"""Deterministic demo workspace simulator: fills every system and collected table and writes a manifest."""

from data.simulator.core import generate

__all__ = ["generate"]
