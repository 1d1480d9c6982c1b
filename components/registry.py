"""View slots: where views written elsewhere plug into the pages of the shell.

A slot module (``components/health_views.py``, ``cost_views.py``, ``sla_views.py``,
``team_rules_views.py``) plugs in one of two ways:

1. Preferred: it defines ``VIEWS = {page: [factory, ...]}`` where ``page`` is one of
   ``monitor_app.state.PAGES`` and ``factory(state: AppState) -> viewable`` (a ``Viewer`` class taking the
   state works as is, e.g. ``VIEWS = {"overview": [HealthView]}``).
2. Otherwise every public ``pn.viewable.Viewer`` subclass defined in the module whose name ends in
   ``View`` is placed on the module's default page (``DEFAULT_PAGES``).

A module may also define ``FOLDED = {factory: "section title"}``: those views go in a folded section of
their page, built and loaded only when opened (what is not needed at a glance stays off the first render
and off every drill-down click).

A module that is missing shows a "coming soon" placeholder; one that fails to import, or a factory that
raises, shows its error in place (the rest of the page keeps working). Views are created when their page
is first shown.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import panel as pn

from components.loading import FoldedSection
from components.panes import coming_soon, error_alert
from monitor_app.state import PAGES, AppState

ViewFactory = Callable[[AppState], Any]

# Slot modules, their title and the page their views go to when the module does not say (VIEWS).
SLOT_MODULES: dict[str, tuple[str, str]] = {
    "components.alerts_views": ("Alerts", "alerts"),
    "components.health_views": ("Job health", "overview"),
    "components.cost_views": ("Cost", "overview"),
    "components.sla_views": ("SLAs", "jobs"),
    "components.budget_views": ("Budgets", "teams"),
    "components.utilization_views": ("Cluster utilization", "overview"),
    "components.integrity_views": ("Data integrity", "data"),
    "components.reports_views": ("Reports", "reports"),
    "components.team_rules_views": ("Team rules", "settings"),
    "components.jobs_api_views": ("Jobs API", "overview"),
}

# Pages whose content comes only from slots: what the placeholder says while nothing is plugged in.
SLOT_ONLY_PAGES = {
    "reports": "Daily, weekly and monthly reports will appear here.",
}


@dataclass
class Slot:
    """One view (or placeholder) of a page."""

    title: str
    module: str
    factory: ViewFactory | None = None
    error: BaseException | None = None
    folded: str | None = None  # the title of its folded section, when it is built on demand

    def build(self, state: AppState) -> Any:
        """The slot's view; a placeholder when its module is absent, an error alert when it fails."""
        if self.error is not None:
            return error_alert(self.title, self.error)
        if self.factory is None:
            return coming_soon(self.title, f"({self.module.replace('.', '/')}.py)")
        factory = self.factory
        if self.folded is not None:
            css = "folded-" + getattr(factory, "__name__", "view").lower()
            return FoldedSection(state, self.folded, lambda: factory(state), css_class=css)
        try:  # built in the calling thread: the view's panels belong to this session and page
            return factory(state)
        except Exception as err:
            return error_alert(self.title, err)


def _module_views(module: Any, default_page: str) -> dict[str, list[ViewFactory]]:
    declared = getattr(module, "VIEWS", None)
    if isinstance(declared, dict):
        unknown = set(declared) - set(PAGES)
        if unknown:
            raise ValueError(f"{module.__name__}.VIEWS names unknown pages: {', '.join(sorted(unknown))}")
        return {page: list(factories) for page, factories in declared.items()}
    found = [
        obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, pn.viewable.Viewer)
        and name.endswith("View")
        and not name.startswith("_")
        and obj.__module__ == module.__name__
    ]
    return {default_page: found} if found else {}


def load_slots(modules: dict[str, tuple[str, str]] | None = None) -> dict[str, list[Slot]]:
    """Import the slot modules and return ``{page: [Slot, ...]}`` for every page (possibly empty lists)."""
    slots: dict[str, list[Slot]] = {page: [] for page in PAGES}
    for module_name, (title, default_page) in (modules or SLOT_MODULES).items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:  # the module exists but something it imports does not
                slots[default_page].append(Slot(title, module_name, error=err))
            else:
                slots[default_page].append(Slot(title, module_name))
            continue
        except Exception as err:  # a broken module must not break the app
            slots[default_page].append(Slot(title, module_name, error=err))
            continue
        try:
            views = _module_views(module, default_page)
        except Exception as err:
            slots[default_page].append(Slot(title, module_name, error=err))
            continue
        if not views:
            slots[default_page].append(Slot(title, module_name))
        folded = getattr(module, "FOLDED", None) or {}
        for page, factories in views.items():
            for factory in factories:
                name = getattr(factory, "__name__", title)
                slot = Slot(f"{title}: {name}", module_name, factory=factory, folded=folded.get(factory))
                slots[page].append(slot)
    return slots
