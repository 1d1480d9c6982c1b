"""Helpers for tests that talk to a real server over HTTP and Bokeh's websocket (not a test module)."""

from __future__ import annotations

import html
import json
import re
import socket
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout_s: float = 30.0) -> None:
    """Wait until ``url`` answers 200."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not answer at {url} within {timeout_s:.0f} s")
        time.sleep(0.1)


def page(url: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode("utf-8")


def session_texts(url: str, headers: dict[str, str]) -> tuple[list[str], str]:
    """Open the page with ``headers``: the texts of the session's document (as a browser gets them over
    the websocket, unescaped) and the page with its session token's payload decoded (what the browser
    holds besides)."""
    from bokeh.client import pull_session
    from bokeh.util.token import get_session_id, get_token_payload

    text = page(url, headers)
    token = re.search(r'"token":\s*"([^"]+)"', text).group(1)
    with pull_session(session_id=get_session_id(token), url=url.split("?")[0]) as session:
        texts = [html.unescape(getattr(m, "text", "") or "") for m in session.document.models]
    return [t for t in texts if t], text + json.dumps(get_token_payload(token), default=repr)
