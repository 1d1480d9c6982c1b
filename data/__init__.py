"""Data layer: engines, system-table schemas, import/export, derived model, Jobs API, simulator.

Nothing here imports analytics (``monitor_app``) or Panel.
"""
