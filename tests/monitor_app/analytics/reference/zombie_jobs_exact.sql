-- Zombie jobs: scheduled (monitor.jobs.schedule_cron set, not paused, not deleted), running and costing
-- money in the window (list price >= :min_daily_usd per day on average over :window_days) while
--   no_rows_written: the job's runs in the window wrote at most :max_rows rows in total
--     (collected.table_history commits with their job_run_id). Only judged with evidence: the job has
--     commits in the window, or its lineage target tables have commit history collected (so the absence
--     of its commits means it wrote nothing); a job whose tables are not collected is not judged; or
--   tables_not_read: every table the job wrote in the window (system.access.table_lineage targets of the
--     job) has no reader in the window other than the job itself (any entity reading it counts, from any
--     workspace), unless its commits show it wrote more than :max_rows rows (a job with real output
--     is likely read outside lineage: exports, BI extracts; the waste is processing minimal records).
-- monthly_wasted_list_cost_usd = list_cost_usd x 30 / :window_days (the window's spend scaled to 30 days).
-- The job's runs and their costs come from monitor.run_spend (the timeline's runs, one row each).
WITH scheduled AS (
  SELECT j.workspace_id, j.job_id, j.name, j.schedule_cron, {{ team_of(jt.team) }} AS team
  FROM monitor.jobs AS j
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = j.workspace_id AND jt.job_id = j.job_id
  WHERE j.schedule_cron IS NOT NULL
    AND NOT COALESCE(j.paused, FALSE)
    AND NOT COALESCE(j.is_deleted, FALSE)
    AND {{ in_scope(workspace_id=j.workspace_id, job_id=j.job_id, team=jt.team) }}
),
window_runs AS (
  SELECT r.workspace_id, r.job_id, r.run_id, r.start_time, r.dbus, r.list_cost_usd
  FROM monitor.run_spend AS r
  INNER JOIN scheduled AS s
    ON s.workspace_id = r.workspace_id AND s.job_id = r.job_id
  WHERE r.in_timeline AND r.start_time >= :start_time AND r.start_time < :end_time
),
spend AS (
  SELECT
    workspace_id,
    job_id,
    COUNT(*) AS runs,
    MAX(start_time) AS last_run_time,
    COALESCE(SUM(dbus), 0) AS dbus,
    COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd
  FROM window_runs
  GROUP BY workspace_id, job_id
),
commits AS (
  SELECT
    wr.workspace_id,
    wr.job_id,
    th.table_full_name,
    th.rows_written
  FROM collected.table_history AS th
  INNER JOIN window_runs AS wr
    ON wr.run_id = th.job_run_id
    AND (th.workspace_id IS NULL OR th.workspace_id = wr.workspace_id)
),
targets AS (
  SELECT DISTINCT l.workspace_id, l.entity_id AS job_id, l.target_table_full_name AS table_full_name
  FROM system.access.table_lineage AS l
  INNER JOIN scheduled AS s
    ON s.workspace_id = l.workspace_id AND s.job_id = l.entity_id
  WHERE l.entity_type = 'JOB'
    AND l.target_table_full_name IS NOT NULL
    AND l.event_time >= :start_time
    AND l.event_time < :end_time
),
target_readers AS (
  SELECT
    t.workspace_id,
    t.job_id,
    t.table_full_name,
    COUNT(DISTINCT CASE
      WHEN l.source_table_full_name IS NOT NULL THEN CONCAT(
        COALESCE(l.entity_type, ''), ':', COALESCE(l.entity_id, l.created_by, l.statement_id, l.record_id, '')
      )
    END) AS readers
  FROM targets AS t
  LEFT JOIN system.access.table_lineage AS l
    ON l.source_table_full_name = t.table_full_name
    AND l.event_time >= :start_time
    AND l.event_time < :end_time
    AND NOT (COALESCE(l.entity_type, '') = 'JOB' AND l.entity_id = t.job_id AND l.workspace_id = t.workspace_id)
  GROUP BY t.workspace_id, t.job_id, t.table_full_name
),
tracked_targets AS (
  SELECT DISTINCT t.workspace_id, t.job_id
  FROM targets AS t
  INNER JOIN collected.table_history AS th
    ON th.table_full_name = t.table_full_name
  WHERE th.commit_time >= :start_time AND th.commit_time < :end_time
),
written AS (
  SELECT workspace_id, job_id, table_full_name FROM commits
  UNION
  SELECT workspace_id, job_id, table_full_name FROM targets
),
per_job AS (
  SELECT
    s.workspace_id,
    s.job_id,
    s.name AS job_name,
    s.team,
    s.schedule_cron,
    sp.runs,
    sp.last_run_time,
    sp.dbus,
    sp.list_cost_usd,
    (SELECT COUNT(*) FROM commits AS c WHERE c.workspace_id = s.workspace_id AND c.job_id = s.job_id) AS commits,
    (SELECT COALESCE(SUM(c.rows_written), 0) FROM commits AS c
      WHERE c.workspace_id = s.workspace_id AND c.job_id = s.job_id) AS rows_written,
    (SELECT COUNT(*) FROM written AS w WHERE w.workspace_id = s.workspace_id AND w.job_id = s.job_id)
      AS tables_written,
    (SELECT COUNT(*) FROM target_readers AS tr WHERE tr.workspace_id = s.workspace_id AND tr.job_id = s.job_id)
      AS lineage_tables,
    (SELECT COUNT(*) FROM target_readers AS tr
      WHERE tr.workspace_id = s.workspace_id AND tr.job_id = s.job_id AND tr.readers = 0) AS unread_tables,
    (SELECT COALESCE(SUM(tr.readers), 0) FROM target_readers AS tr
      WHERE tr.workspace_id = s.workspace_id AND tr.job_id = s.job_id) AS readers,
    EXISTS (SELECT 1 FROM tracked_targets AS tt WHERE tt.workspace_id = s.workspace_id AND tt.job_id = s.job_id)
      AS targets_tracked
  FROM scheduled AS s
  INNER JOIN spend AS sp
    ON sp.workspace_id = s.workspace_id AND sp.job_id = s.job_id
),
judged AS (
  SELECT
    p.*,
    (p.commits > 0 OR p.targets_tracked) AND p.rows_written <= :max_rows AS no_rows_written,
    -- Unread tables alone do not make a zombie when its commits show real output: readers outside
    -- lineage (exports, BI extracts) are common, a job processing minimal records is the waste.
    p.lineage_tables > 0 AND p.unread_tables = p.lineage_tables
      AND NOT (p.commits > 0 AND p.rows_written > :max_rows) AS tables_not_read
  FROM per_job AS p
  WHERE CAST(p.list_cost_usd AS DOUBLE) / :window_days >= :min_daily_usd
)
SELECT
  workspace_id,
  job_id,
  job_name,
  team,
  schedule_cron,
  CASE
    WHEN no_rows_written AND tables_not_read THEN 'no_rows_written, tables_not_read'
    WHEN no_rows_written THEN 'no_rows_written'
    ELSE 'tables_not_read'
  END AS reason,
  runs,
  last_run_time,
  dbus,
  list_cost_usd,
  CAST(list_cost_usd AS DOUBLE) / :window_days AS list_cost_usd_per_day,
  CAST(list_cost_usd AS DOUBLE) * 30 / :window_days AS monthly_wasted_list_cost_usd,
  commits,
  rows_written,
  tables_written,
  unread_tables,
  readers
FROM judged
WHERE no_rows_written OR tables_not_read
ORDER BY monthly_wasted_list_cost_usd DESC, workspace_id, job_id
