"""Push new P1/P2 alerts (and their resolution) to a Slack-compatible incoming webhook.

Sending never blocks an evaluation: messages go to a queue that one background thread posts, retrying a
failed post (connection error, 429, 5xx) with exponential back-off up to ``RETRIES`` times, then giving
up with one line on the progress log. The payload is Slack's ``{"text": ..., "blocks": [...]}``; names
are escaped for Slack's mrkdwn (``&``, ``<``, ``>``), so a hostile job name stays text there too.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from monitor_app.alerts.model import Alert

RETRIES = 4
BACKOFF_S = 1.0
TIMEOUT_S = 10.0
_ICONS = {"P1": ":red_circle:", "P2": ":large_orange_circle:", "P3": ":white_circle:"}


def slack_escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(event: str, alert: Alert, app_url: str | None = None) -> dict[str, Any]:
    """The Slack message of one alert event (opened, reopened, escalated, resolved)."""
    head = (
        "Resolved"
        if event == "resolved"
        else {"opened": "New", "reopened": "Again", "escalated": "Escalated"}[event]
    )
    title = f"{_ICONS.get(alert.severity, '')} {head} {alert.severity} {slack_escape(alert.title)}".strip()
    facts = [f"*Rule* {slack_escape(alert.rule)} ({alert.category})", f"*Id* {alert.id}"]
    if alert.team:
        facts.append(f"*Team* {slack_escape(alert.team)}")
    links = []
    if app_url and alert.links.get("app"):
        links.append(f"<{app_url.rstrip('/')}/{alert.links['app']}|in the monitor>")
    if alert.links.get("workspace"):
        links.append(f"<{alert.links['workspace']}|in the workspace>")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n" + " · ".join(facts)}},
    ]
    if event != "resolved":
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(alert.remediation)}}
        )
    if links:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]})
    return {"text": title, "blocks": blocks}


class Notifier:
    """Posts queued alert events to ``url`` from one background thread."""

    def __init__(
        self,
        url: str,
        app_url: str | None = None,
        progress: Callable[[str], None] | None = None,
        retries: int = RETRIES,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        self.url = url
        self.app_url = app_url
        self.progress = progress or (lambda _m: None)
        self.retries = retries
        self.backoff_s = backoff_s
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alert-webhook", daemon=True)
        self._thread.start()

    def send(self, events: list[tuple[str, Alert]]) -> None:
        for event, alert in events:
            self._queue.put(payload(event, alert, self.app_url))

    def close(self, timeout_s: float | None = None) -> None:
        """Stop after the queued messages are posted (or ``timeout_s`` passed)."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            if message is None:
                return
            self._post(message)

    def _post(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        delay = self.backoff_s
        for attempt in range(1, self.retries + 2):
            request = urllib.request.Request(
                self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                    if 200 <= response.status < 300:
                        self.sent += 1
                        return
            except urllib.error.HTTPError as err:
                if err.code < 500 and err.code != 429:
                    self.failed += 1
                    self.progress(f"alert webhook refused a message (HTTP {err.code}); not retried")
                    return
            except (urllib.error.URLError, OSError):
                pass
            if attempt <= self.retries:
                time.sleep(delay)
                delay *= 2
        self.failed += 1
        self.progress(f"alert webhook unreachable after {self.retries + 1} attempts; message dropped")


def notifier_for(settings: Any, progress: Callable[[str], None] | None = None) -> Notifier | None:
    """A notifier for the configured webhook, or None when none is set."""
    url = getattr(settings, "alert_webhook_url", None)
    return Notifier(url, progress=progress) if url else None
