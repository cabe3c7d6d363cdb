"""The charts' colours: the project's one palette (cadresim.palette), under the names the
figures and the report import from here."""

from cadresim.palette import (
    ACTION_COLOURS,
    FONT_FAMILY,
    MISCONDUCT_SCALE,
    OUTCOME_COLOURS,
    REGIME_COLOURS,
    SEQUENTIAL,
    TEMPLATE,
    TYPE_COLOURS,
    regime_colours,
    rgba,
    type_colour,
)

__all__ = [
    "ACTION_COLOURS",
    "FONT_FAMILY",
    "MISCONDUCT_SCALE",
    "OUTCOME_COLOURS",
    "REGIME_COLOURS",
    "SEQUENTIAL",
    "TEMPLATE",
    "TYPE_COLOURS",
    "regime_colours",
    "rgba",
    "type_colour",
]
