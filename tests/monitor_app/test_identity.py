"""Identity from the headers Databricks Apps forward; the user's token never leaks into it."""

from __future__ import annotations

import logging

import pytest

from monitor_app.identity import (
    SHARED_CACHE_KEY,
    SOURCE_FORWARDED,
    SOURCE_LOCAL,
    SOURCE_SERVICE_PRINCIPAL,
    SOURCE_USER_TOKEN,
    identity_from_headers,
    user_token_from_headers,
)
from monitor_app.settings import Settings

TOKEN = "dapi-SECRET-token-123"
LOCAL = {"HOME": "/home/x"}  # an environment that is not a Databricks App
APP = {"DATABRICKS_APP_PORT": "8000", "DATABRICKS_CLIENT_ID": "sp-client-id"}


@pytest.mark.parametrize(
    ("headers", "env", "display", "email", "source", "cache_key"),
    [
        (
            {
                "X-Forwarded-Email": "ana@example.com",
                "X-Forwarded-Preferred-Username": "ana",
                "X-Forwarded-User": "42@1",
            },
            APP,
            "ana",
            "ana@example.com",
            SOURCE_FORWARDED,
            SHARED_CACHE_KEY,
        ),
        (
            {
                "x-forwarded-email": "ana@example.com",
                "x-forwarded-user": "42@1",
                "x-forwarded-access-token": TOKEN,
            },
            APP,
            "ana@example.com",
            "ana@example.com",
            SOURCE_USER_TOKEN,
            "user:42@1",
        ),
        ({"X-Forwarded-User": "7@1"}, APP, "7@1", None, SOURCE_FORWARDED, SHARED_CACHE_KEY),
        ({}, APP, "sp-client-id", None, SOURCE_SERVICE_PRINCIPAL, SHARED_CACHE_KEY),
        ({"Host": "localhost"}, LOCAL, "configured-me", None, SOURCE_LOCAL, SHARED_CACHE_KEY),
    ],
)
def test_identity_from_headers(headers, env, display, email, source, cache_key):
    ident = identity_from_headers(headers, Settings(local_user="configured-me"), env=env)
    assert (ident.display_name, ident.email, ident.source, ident.cache_key) == (
        display,
        email,
        source,
        cache_key,
    )


def test_local_user_falls_back_to_the_os_user(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    ident = identity_from_headers(None, Settings(), env=LOCAL)
    assert ident.display_name == "os-user" and ident.source == SOURCE_LOCAL


def test_repeated_and_bytes_header_values():
    ident = identity_from_headers({"X-Forwarded-Email": [b"bo@example.com", b"x"]}, Settings(), env=APP)
    assert ident.email == "bo@example.com"


def test_token_is_only_returned_by_the_token_function_and_never_in_identity(caplog):
    headers = {"X-Forwarded-Email": "ana@example.com", "X-Forwarded-Access-Token": TOKEN}
    caplog.set_level(logging.DEBUG)
    ident = identity_from_headers(headers, Settings(), env=APP)
    logging.getLogger("monitor_app").info("session identity %r %s", ident, ident.describe())
    assert user_token_from_headers(headers) == TOKEN
    assert ident.on_behalf_of_user
    for text in (repr(ident), str(ident), ident.describe(), ident.cache_key, caplog.text):
        assert TOKEN not in text
    assert "ana@example.com" in caplog.text


def test_token_without_user_headers_gets_a_private_key_that_is_not_the_token():
    a = identity_from_headers({"X-Forwarded-Access-Token": TOKEN}, Settings(), env=APP)
    b = identity_from_headers({"X-Forwarded-Access-Token": TOKEN + "2"}, Settings(), env=APP)
    assert a.cache_key != SHARED_CACHE_KEY and a.cache_key != b.cache_key
    assert TOKEN not in a.cache_key and TOKEN not in repr(a)


def test_two_users_with_tokens_have_different_cache_keys():
    a = identity_from_headers(
        {"X-Forwarded-Email": "a@x", "X-Forwarded-Access-Token": TOKEN}, Settings(), env=APP
    )
    b = identity_from_headers(
        {"X-Forwarded-Email": "b@x", "X-Forwarded-Access-Token": TOKEN}, Settings(), env=APP
    )
    assert a.cache_key != b.cache_key


def test_forwarded_headers_are_not_trusted_outside_databricks_apps():
    headers = {"X-Forwarded-Email": "mallory@example.com", "X-Forwarded-Access-Token": TOKEN}
    claimed = identity_from_headers(headers, Settings(local_user="me"), env=LOCAL)
    assert (claimed.display_name, claimed.source, claimed.cache_key) == ("me", SOURCE_LOCAL, SHARED_CACHE_KEY)
    trusted = identity_from_headers(headers, Settings(trust_forwarded_headers=True), env=LOCAL)
    assert (trusted.display_name, trusted.source) == ("mallory@example.com", SOURCE_USER_TOKEN)


def test_a_token_taken_out_of_the_headers_still_makes_the_results_private():
    ident = identity_from_headers({"X-Forwarded-User": "9@1"}, Settings(), env=APP, token=TOKEN)
    assert (ident.source, ident.cache_key) == (SOURCE_USER_TOKEN, "user:9@1")


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (
            "José Müller".encode().decode("latin-1"),
            "José Müller",
        ),  # UTF-8 bytes read as Latin-1 by the server
        ("Zoë", "Zoë"),  # a genuine Latin-1 header stays as it is
        ("李雷", "李雷"),  # already text
    ],
)
def test_non_ascii_user_names_are_not_mojibake(sent, shown):
    assert (
        identity_from_headers({"X-Forwarded-Preferred-Username": sent}, Settings(), env=APP).display_name
        == shown
    )
