"""The monitor application: analytics, alert rules, state models, settings, identity, CLI and server."""
