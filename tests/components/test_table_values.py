"""How query values read in tables: flags, percent points, cron, whole numbers, ids, empty columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.table_values import cron_text, enum_text, table_spec, yes_no


def test_every_column_gets_a_reading_by_type_and_name():
    frame = pd.DataFrame(
        {
            "paused": [False, True],
            "reconciles": pd.Series([True, None], dtype=object),
            "worker_cpu_avg_pct": [14.0, 91.5],
            "runs": [112.0, np.nan],
            "run_id": [500000017287, 5],
            "ratio": [2.3712, 1.0],
            "last_breach_time": [np.nan, np.nan],
            "schedule_cron": ["0 0 5 * * ?", None],
            "cost": [1.5, 2.0],
        }
    )
    display, spec = table_spec(frame, money=["cost"])
    assert dict((c, (k, f)) for c, k, f in spec) == {
        "paused": ("text", ""),
        "reconciles": ("text", ""),
        "worker_cpu_avg_pct": ("number", "0.0%"),
        "runs": ("number", "0,0"),
        "run_id": ("number", "0"),
        "ratio": ("number", "0,0.00"),
        "last_breach_time": ("text", ""),
        "schedule_cron": ("text", ""),
        "cost": ("number", "$0,0.00"),
    }
    assert list(display["paused"]) == ["no", "yes"]
    assert display["reconciles"].iloc[0] == "yes" and pd.isna(display["reconciles"].iloc[1])
    assert list(display["worker_cpu_avg_pct"]) == [0.14, 0.915]
    assert list(display["last_breach_time"]) == [None, None]
    assert display["schedule_cron"].iloc[0] == "At 05:00 · 0 0 5 * * ?"
    assert list(frame["paused"]) == [False, True]  # the frame itself (the CSV) is unchanged


def test_cron_and_flags():
    assert cron_text("0 25 2/6 * * ?", "UTC") == (
        "At 25 minutes past the hour, every 6 hours, starting at 02:00 (UTC) · 0 25 2/6 * * ?"
    )
    assert cron_text("not a cron") == "not a cron"
    assert cron_text(None) == "" and cron_text("") == ""
    assert (yes_no(True), yes_no(np.bool_(False)), yes_no(1), yes_no("true")) == ("yes", "no", 1, "true")


def test_seconds_read_as_durations_and_keep_their_numbers():
    from components.light_table import DURATION, duration_text
    from components.table_titles import column_title

    assert [duration_text(v) for v in (0, 44.5, 59.4, 60, 725, 3599.6, 3725, 86399, 183600, -3725)] == [
        "0s",
        "45s",
        "59s",
        "1m 00s",
        "12m 05s",
        "1h 00m",
        "1h 02m",
        "23h 59m",
        "2d 03h",
        "-1h 02m",
    ]
    assert duration_text(None) == "" and duration_text(float("nan")) == ""
    frame = pd.DataFrame({"duration_seconds": [3725.0, 45.0], "late_by_seconds": [None, 60.0]})
    shown, spec = table_spec(frame)
    assert spec == (("duration_seconds", "number", DURATION), ("late_by_seconds", "number", DURATION))
    assert shown["duration_seconds"].tolist() == [3725.0, 45.0]  # sorted as seconds
    assert [column_title(c) for c in ("duration_seconds", "late_by_seconds", "queue_duration_seconds")] == [
        "Duration",
        "Late by",
        "Queue duration",
    ]


def test_times_show_in_the_users_zone_with_their_utc_text_kept():
    from components.table_values import display_zone, local_time, local_title, utc_hover, zone_label
    from monitor_app.state import valid_zone

    frame = pd.DataFrame({"last_run_time": pd.to_datetime(["2026-12-07 14:05"], utc=True)})
    shown, spec = table_spec(frame)
    assert spec == (("last_run_time", "time", "UTC"),) and shown["last_run_time"].tolist() == [
        "2026-12-07 14:05"
    ]
    with display_zone("Asia/Tokyo"):
        shown, spec = table_spec(frame)
    assert spec == (("last_run_time", "time", "Asia/Tokyo"),)
    assert shown["last_run_time"].tolist() == ["2026-12-07 14:05"]  # sorted and exported as UTC
    assert local_time("Asia/Tokyo")("2026-12-07 14:05") == "2026-12-07 23:05"
    assert local_time("America/New_York")("2026-07-01 14:05") == "2026-07-01 10:05"  # summer time
    assert local_time("Asia/Tokyo")("") == "" and utc_hover("2026-12-07 14:05") == "2026-12-07 14:05 UTC"
    assert local_title("Last run (UTC)", "time", "Asia/Tokyo") == "Last run (JST)"
    assert local_title("Start", "time", "Asia/Tokyo") == "Start (JST)"
    assert local_title("Last run (UTC)", "time", "UTC") == "Last run (UTC)"
    assert local_title("Day (UTC)", "text", "Asia/Tokyo") == "Day (UTC)"  # a UTC day stays one
    assert zone_label("Asia/Dubai") == "Asia/Dubai"  # its abbreviation is "+04"
    assert [valid_zone(z) for z in ("Europe/Paris", "Mars/Olympus", "<script>", None, "")] == [
        "Europe/Paris",
        "UTC",
        "UTC",
        "UTC",
        "UTC",
    ]
    with display_zone("<b>not a zone</b>"):
        assert table_spec(frame)[1] == (("last_run_time", "time", "UTC"),)


def test_a_moment_on_its_own_reads_in_the_users_zone_with_utc_beside_it():
    from components.table_values import display_zone, moment_text

    start = pd.Timestamp("2026-12-07 14:05:09")  # naive: UTC, as the system tables' times
    assert moment_text(start) == "2026-12-07 14:05:09"
    assert moment_text(start, "Asia/Tokyo") == "2026-12-07 23:05:09 JST (2026-12-07 14:05:09 UTC)"
    with display_zone("America/New_York"):
        assert moment_text(start.tz_localize("UTC")) == "2026-12-07 09:05:09 EST (2026-12-07 14:05:09 UTC)"
    assert moment_text(None) == "" and moment_text(pd.NaT, "Asia/Tokyo") == ""


def test_enum_names_read_as_words_in_their_columns_only():
    frame = pd.DataFrame(
        {
            "job_name": ["NIGHTLY_ETL", "b"],
            "trigger_type": ["PERIODIC", "ONE_TIME"],
            "result_state": ["FAILED", None],
            "termination_code": ["RUN_EXECUTION_ERROR", "SUCCESS"],
            "sku_name": ["PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA", "PREMIUM_JOBS_COMPUTE"],
            "outcome": ["failure", "success"],
        }
    )
    display, spec = table_spec(frame)
    assert pd.isna(display.loc[1, "result_state"])  # a run still going has no state: an empty cell
    assert display.fillna("–").to_dict("list") == {
        "job_name": ["NIGHTLY_ETL", "b"],  # a name in capitals is a name, not an enum
        "trigger_type": ["Scheduled", "One time"],
        "result_state": ["Failed", "–"],
        "termination_code": ["Run execution error", "Success"],
        "sku_name": ["Premium jobs serverless compute US east N virginia", "Premium jobs compute"],
        "outcome": ["failure", "success"],
    }
    assert {kind for _, kind, _ in spec} == {"text"}
    assert frame["trigger_type"].tolist() == ["PERIODIC", "ONE_TIME"]  # the CSV keeps the names
    assert enum_text("<b>X</b>") == "<b>X</b>" and enum_text(3) == 3
