"""Form widgets: the drill-down picker and text boxes whose newest text can be read on a click."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn


def picker(
    label: str, options: dict[str, str], on_pick: Callable[[str], None], css_class: str | None = None
) -> pn.widgets.Select:
    """A keyboard-friendly way to drill down: a select of ``{label: value}``; picking one calls ``on_pick``."""
    placeholder = f"Open {label.lower()}…"
    select = pn.widgets.Select(
        label=label,
        options={placeholder: "", **options},
        value="",
        width=320,
        css_classes=["drill-picker"] + ([css_class] if css_class else []),
    )

    def picked(event: Any) -> None:
        if event.new:
            on_pick(event.new)

    select.param.watch(picked, "value")
    return select


def tracked(widget: Any) -> Any:
    """A text box whose ``typed()`` is its newest text, whichever way it changed (see ``typed``)."""
    widget._typed_text = widget.value or ""

    def remember(*events: Any) -> None:  # one call per change; both at once on Enter (the same text)
        widget._typed_text = events[-1].new or ""

    widget.param.watch(remember, ["value", "value_input"])
    return widget


def typed(widget: Any) -> str:
    """What a text box holds now, even if the click that reads it arrives before the box's change.

    ``value`` syncs on Enter or blur; ``value_input`` on each key; a value set by the app is only in
    ``value``. Neither alone is the newest: a box the user just emptied has ``value_input == ""`` and the
    old ``value``. A ``tracked`` box remembers whichever changed last, so an empty box reads empty.
    """
    text = getattr(widget, "_typed_text", None)
    if text is None:
        raise TypeError(f"typed() needs a tracked() text box, got {type(widget).__name__}")
    return text
