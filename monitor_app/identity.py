"""Who is using the app, from the headers Databricks Apps forwards (or the local user on a laptop).

Databricks Apps authenticate every user with OAuth and forward, on each request, ``X-Forwarded-Email``,
``X-Forwarded-Preferred-Username`` and ``X-Forwarded-User``; with user authorization enabled also
``X-Forwarded-Access-Token``. That token is the user's own credential:

- it is read only by :func:`user_token_from_headers`, whose result is passed straight to
  ``open_engine(settings, access_token=...)`` for that user's session (queries on behalf of the user);
- it is never part of :class:`Identity` (so never in a repr, a log line, a cache key or the state store);
- when a token is used, the identity's ``cache_key`` is per user, so results computed with one user's
  permissions are never served to another user. Without a token every query runs as the app's service
  principal (or the local engine) and results are shared (``cache_key == "shared"``).

The forwarded headers are trusted only where the Databricks Apps proxy sets them (it strips what a client
sends): when running as a Databricks App, or when ``trust_forwarded_headers`` says another proxy does the
same. Anywhere else anyone could claim any user (and ``set_by`` would record the claim), so they are ignored
and the session is the local user's.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

from monitor_app.settings import Settings

EMAIL = "X-Forwarded-Email"
PREFERRED_USERNAME = "X-Forwarded-Preferred-Username"
USER = "X-Forwarded-User"
ACCESS_TOKEN = "X-Forwarded-Access-Token"

# The cache key of every identity whose queries run with the app's own credentials: results are shared.
SHARED_CACHE_KEY = "shared"

# Sources, in the order they are tried.
SOURCE_USER_TOKEN = "user token"  # forwarded user with an on-behalf-of-user token
SOURCE_FORWARDED = "forwarded user"  # forwarded user, queries as the app's service principal
SOURCE_SERVICE_PRINCIPAL = "service principal"  # inside Databricks Apps without forwarded user headers
SOURCE_LOCAL = "local user"  # on a laptop


@dataclass(frozen=True)
class Identity:
    """The person (or principal) a session belongs to. Holds no secret.

    Attributes
    ----------
    display_name
        What the header shows: preferred user name, else e-mail, else user id.
    email
        ``X-Forwarded-Email`` when forwarded, else None.
    user_id
        ``X-Forwarded-User`` when forwarded, else None.
    source
        One of ``SOURCE_*``: how the identity was established and whose credentials queries use.
    cache_key
        ``"shared"`` unless queries run with the user's own token; then ``"user:<stable id>"``.
    """

    display_name: str
    email: str | None
    user_id: str | None
    source: str
    cache_key: str

    @property
    def on_behalf_of_user(self) -> bool:
        """Whether this session's queries run with the user's own token."""
        return self.source == SOURCE_USER_TOKEN

    def describe(self) -> str:
        """One line for the header, e.g. 'ana@example.com (user token)'."""
        return f"{self.display_name} ({self.source})"


def _get(headers: Mapping[str, object] | None, name: str) -> str | None:
    """A header value, case-insensitively; lists (repeated headers) give their first value."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            value = _utf8(str(value).strip()) if value is not None else ""
            return value or None
    return None


def _utf8(text: str) -> str:
    """Undo the Latin-1 reading of UTF-8 header bytes (HTTP servers decode headers as Latin-1, so
    'José' arrives as 'JosÃ©'); text that is not such a misreading is kept as it is."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def user_token_from_headers(headers: Mapping[str, object] | None) -> str | None:
    """The forwarded user's access token, for building that session's engine only. Never store or log it."""
    return _get(headers, ACCESS_TOKEN)


def in_databricks_app(env: Mapping[str, str] | None = None) -> bool:
    """Whether the process runs as a Databricks App (the platform sets DATABRICKS_APP_PORT / _NAME)."""
    env = os.environ if env is None else env
    return bool(env.get("DATABRICKS_APP_PORT") or env.get("DATABRICKS_APP_NAME"))


def forwarded_headers_trusted(settings: Settings | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Whether the forwarded user headers (and token) come from a proxy that sets them itself."""
    return in_databricks_app(env) or bool(settings is not None and settings.trust_forwarded_headers)


def _local_user(settings: Settings | None) -> str:
    if settings is not None and settings.local_user:
        return str(settings.local_user)
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers): still show something
        return "local user"


def identity_from_headers(
    headers: Mapping[str, object] | None,
    settings: Settings | None = None,
    env: Mapping[str, str] | None = None,
    token: str | None = None,
) -> Identity:
    """Establish the session's identity from the request headers.

    Parameters
    ----------
    headers
        The request headers (``pn.state.headers``); names are matched case-insensitively.
    settings
        For ``local_user`` when no user is forwarded.
    env
        The environment (default ``os.environ``), to tell a Databricks App from a laptop.
    token
        The user's token when the caller already took it out of ``headers`` (the server does, to keep it
        out of the Bokeh session); only whether there is one matters here.

    Returns
    -------
    Identity
        Per-user ``cache_key`` only when a user token is forwarded (queries then run as the user); the
        local user when the forwarded headers are not trusted (``forwarded_headers_trusted``).
    """
    if not forwarded_headers_trusted(settings, env):
        return Identity(_local_user(settings), None, None, SOURCE_LOCAL, SHARED_CACHE_KEY)
    email = _get(headers, EMAIL)
    preferred = _get(headers, PREFERRED_USERNAME)
    user_id = _get(headers, USER)
    token = token or user_token_from_headers(headers)
    has_token = token is not None
    if email or preferred or user_id:
        display = preferred or email or user_id or ""
        if has_token:
            # The stable part of the key is the user; never the token (it rotates and is a secret).
            who = user_id or email or preferred or ""
            return Identity(display, email, user_id, SOURCE_USER_TOKEN, f"user:{who}")
        return Identity(display, email, user_id, SOURCE_FORWARDED, SHARED_CACHE_KEY)
    if has_token:
        # A token without any user header should not happen behind the Databricks proxy; keep results
        # private anyway, keyed by a one-way digest that cannot be turned back into the token.
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        return Identity("unknown user", None, None, SOURCE_USER_TOKEN, f"token:{digest}")
    if in_databricks_app(env):
        name = (env or os.environ).get("DATABRICKS_CLIENT_ID") or "app service principal"
        return Identity(name, None, None, SOURCE_SERVICE_PRINCIPAL, SHARED_CACHE_KEY)
    return Identity(_local_user(settings), None, None, SOURCE_LOCAL, SHARED_CACHE_KEY)
