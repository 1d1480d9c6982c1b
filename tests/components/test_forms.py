"""Text boxes whose newest text a click reads (``tracked`` / ``typed``)."""

from __future__ import annotations

import panel as pn
import pytest

from components.forms import tracked, typed


@pytest.mark.parametrize(
    "make", [pn.widgets.TextInput, lambda **kw: pn.widgets.AutocompleteInput(restrict=False, **kw)]
)
def test_typed_reads_an_emptied_box_as_empty(make):
    box = tracked(make(value="sales-"))
    assert typed(box) == "sales-"  # set by the app, never typed
    box.value_input = "finance-"  # keys typed, no Enter yet
    assert typed(box) == "finance-"
    box.value = "finance-"  # Enter or blur
    box.value_input = ""  # the user empties the box and clicks the button before blurring
    assert typed(box) == ""
    box.value = "ops-"  # the app fills it again (a new selection)
    assert typed(box) == "ops-"
    box.param.update(value="hr-", value_input="hr-")  # the browser sends both at once (Tab, Enter)
    assert typed(box) == "hr-"


def test_typed_refuses_an_untracked_box():
    with pytest.raises(TypeError, match="typed\\(\\) needs a tracked\\(\\) text box"):
        typed(pn.widgets.TextInput(value="x"))
