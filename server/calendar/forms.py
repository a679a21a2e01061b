"""What the calendar page asks: one day, its name, and whether it is a make-up working day."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DayForm:
    day: str = ""
    name: str = ""
    working: str = ""  # a checkbox: "on" for a make-up working day, else a holiday
