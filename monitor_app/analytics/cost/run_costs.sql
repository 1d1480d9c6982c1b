-- Cost of each job run in the window: DBUs and list-price $ net of billing corrections (ORIGINAL +
-- RETRACTION + RESTATEMENT), from monitor.run_spend (the costed runs: monitor.run_costs with the run's
-- timeline facts). A run is in the window when it started in it (first timeline row; runs billing knows but
-- the timeline does not yet are placed by their first usage). Newest run first, at most :row_limit rows
-- (the newest runs: a job's cost history stays contiguous in time when it is cut).
--
-- Speed (a month of a large workspace is 400,000+ runs): sorting every run of the window to keep the newest
-- :row_limit costs more than the whole rest of the query. So the runs in scope are first counted per hour
-- of start (hours_in_scope); from_time is the first start of the oldest hour that still holds one of the
-- newest :row_limit runs (fewer than :row_limit runs started in the later hours), and only the runs from
-- it on are read in full, sorted and cut to :row_limit (the same rows: every run older than that hour has
-- at least :row_limit newer runs in scope). The scope filter is written twice on purpose: a CTE read twice
-- would be materialized, which costs more than scanning the window's row groups again.
WITH hours_in_scope AS (
  SELECT unix_micros(r.start_time) DIV 3600000000 AS start_hour, MIN(r.start_time) AS first_start, COUNT(*) AS runs
  FROM monitor.run_spend AS r
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = r.workspace_id AND jt.job_id = r.billed_job_id
  WHERE r.is_costed
    AND r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id, team=jt.team) }}
  GROUP BY unix_micros(r.start_time) DIV 3600000000
),

newer_runs AS (
  SELECT
    first_start,
    COALESCE(SUM(runs) OVER (ORDER BY start_hour DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      AS runs_in_later_hours
  FROM hours_in_scope
),

cut AS (
  SELECT MIN(first_start) AS from_time
  FROM newer_runs
  WHERE runs_in_later_hours < :row_limit
),

newest AS (
  SELECT r.*, {{ team_of(jt.team) }} AS team
  FROM monitor.run_spend AS r
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = r.workspace_id AND jt.job_id = r.billed_job_id
  WHERE r.is_costed
    AND r.start_time >= :start_time
    AND r.start_time < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id, team=jt.team) }}
    AND r.start_time >= (SELECT c.from_time FROM cut AS c)
  ORDER BY r.start_time DESC, r.run_id
  LIMIT :row_limit
)

SELECT
  r.workspace_id,
  r.billed_job_id AS job_id,
  j.name AS job_name,
  r.team,
  r.run_id,
  r.start_time,
  r.end_time,
  r.duration_seconds,
  r.result_state,
  r.dbus,
  r.list_cost_usd,
  r.original_dbus,
  r.retracted_dbus,
  r.restated_dbus,
  r.unpriced_dbus,
  r.is_serverless,
  r.sku_names
FROM newest AS r
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = r.workspace_id AND j.job_id = r.billed_job_id
ORDER BY r.start_time DESC, r.run_id
