"""Team attribution (COST-02): tag keys in order, billing tags, mapping rules by priority, else unattributed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from data.attribution import (
    RuleValidationError,
    job_teams_statement,
    rebuild_job_teams,
    usable_rules,
    validate_rule,
)
from data.engines import placeholders
from tests.monitor_app.analytics.cost_fixtures import RawWorkspace, build_model

T0 = datetime(2026, 10, 1)
NASTY = 'O\'Brien "<b>x</b>" 数据 -- ; DROP TABLE x'

RULES = [
    {"name": "by prefix", "match": "job_name_prefix", "value": "ETL-", "team": "prefix team", "priority": 10},
    {
        "name": "by pattern",
        "match": "job_name_pattern",
        "value": "%report _",
        "team": "pattern team",
        "priority": 20,
    },
    {
        "name": "by run_as",
        "match": "run_as",
        "value": "svc-batch@example.com",
        "team": "runas team",
        "priority": 30,
    },
    {
        "name": "by creator",
        "match": "creator",
        "value": "Carol@Example.com",
        "team": "creator team",
        "priority": 40,
    },
    # a lower-priority rule that also matches the prefix job: never applies to it
    {"name": "late", "match": "job_name_pattern", "value": "etl-%", "team": "late team", "priority": 90},
    {"name": "it's <b>", "match": "job_name_prefix", "value": "l'été \"", "team": NASTY, "priority": 50},
]


@pytest.fixture
def jobs(engine):
    ws = RawWorkspace(engine)
    ws.job("tag1", "first key", tags={"team": "alpha", "owner": "ignored"})
    ws.job("tag2", "second key", tags={"team": "  ", "owner": "beta"})  # a blank first key is not set
    ws.job("bill", "billing tags only", tags={"cost_center": "x"})
    ws.usage("bill", "b-1", T0, "1", custom_tags={"team": "old billing team"})
    ws.usage("bill", "b-2", T0 + timedelta(days=1), "1", custom_tags={"owner": "gamma"})
    ws.job("tag_and_rule", "ETL-with-tag", tags={"team": "tagged"})
    ws.job("prefix", "etl-orders")
    ws.job("pattern", "Nightly REPORT 7")
    ws.job("runas", "whatever", run_as="svc-batch@example.com")
    ws.job("creator", "something", creator="carol@example.com")
    ws.job("none", "nobody knows")
    ws.job("nasty", "l'été \" daily", tags={"owner": ""})
    ws.job("nasty_tag", "x", tags={"team": NASTY})
    build_model(engine, tag_keys=[], rules=[])
    return engine


def teams(engine):
    frame = engine.execute("SELECT job_id, team, attributed_by FROM monitor.job_teams")
    return {r.job_id: (r.team, r.attributed_by) for r in frame.itertuples()}


def test_each_source_in_order(jobs):
    attributed = rebuild_job_teams(jobs, ["team", "owner"], RULES)
    got = teams(jobs)
    assert got["tag1"] == ("alpha", "job_tag:team")
    assert got["tag2"] == ("beta", "job_tag:owner")
    # billing: the most recent usage row of the job, keys in order (its newest row has owner only)
    assert got["bill"] == ("gamma", "billing_tag:owner")
    assert got["tag_and_rule"] == ("tagged", "job_tag:team")
    assert got["prefix"] == ("prefix team", "rule:by prefix")
    assert got["pattern"] == ("pattern team", "rule:by pattern")
    assert got["runas"] == ("runas team", "rule:by run_as")
    assert got["creator"] == ("creator team", "rule:by creator")
    assert got["none"] == ("unattributed", "none")
    assert got["nasty"] == (NASTY, "rule:it's <b>")
    assert got["nasty_tag"] == (NASTY, "job_tag:team")
    assert attributed == len(got) - 1


def test_key_order_decides(jobs):
    rebuild_job_teams(jobs, ["owner", "team"], [])
    got = teams(jobs)
    assert got["tag1"] == ("ignored", "job_tag:owner")
    assert got["prefix"] == ("unattributed", "none")


def test_priority_decides_between_rules(jobs):
    swapped = [dict(r, priority=1) if r["name"] == "late" else r for r in RULES]
    rebuild_job_teams(jobs, ["team"], swapped)
    assert teams(jobs)["prefix"] == ("late team", "rule:late")


def test_no_keys_no_rules_everything_unattributed(jobs):
    assert rebuild_job_teams(jobs, [], None) == 0
    assert set(teams(jobs).values()) == {("unattributed", "none")}


def test_values_are_bound_never_formatted():
    sql, params = job_teams_statement(["team", NASTY], usable_rules(RULES))
    assert NASTY not in sql and "svc-batch" not in sql
    assert placeholders(sql) == set(params)
    assert params["k1"] == NASTY


def test_invalid_rules_are_skipped_by_the_rebuild(jobs):
    bad = [{"name": "bad", "match": "job_name_regex", "value": "x", "team": "t"}, *RULES]
    rebuild_job_teams(jobs, ["team"], bad)
    assert teams(jobs)["prefix"] == ("prefix team", "rule:by prefix")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"match": "job_name_prefix", "value": "x", "team": " "}, "team is empty"),
        ({"match": "tag", "value": "x", "team": "t"}, "unknown match kind"),
        ({"match": "run_as", "value": "", "team": "t"}, "value to match is empty"),
        ({"match": "job_name_pattern", "value": "a\\", "team": "t"}, "backslash"),
        ({"match": "job_name_pattern", "value": "%%", "team": "t"}, "matches every job"),
        ({"match": "creator", "value": "x", "team": "unattributed"}, "reserved"),
        ({"match": "creator", "value": "x", "team": "t", "priority": "high"}, "whole number"),
        ({"match": "creator", "value": "x\n", "team": "t\x00"}, "control character"),
    ],
)
def test_validation_refuses(rule, message):
    with pytest.raises(RuleValidationError, match=message):
        validate_rule(rule)


def test_validation_normalises():
    assert validate_rule({"match_kind": "run_as", "match_value": " a@b ", "team": " t "}) == {
        "name": "run_as:a@b",
        "match": "run_as",
        "value": "a@b",
        "team": "t",
        "priority": 100,
    }
