-- Zombie jobs: scheduled (monitor.jobs.schedule_cron set, not paused, not deleted), running and costing
-- money in the window (list price >= :min_daily_usd per day on average over :window_days) while
--   no_rows_written: the job's runs in the window wrote at most :max_rows rows in total
--     (collected.table_history commits with their job_run_id). Only judged with evidence: the job has
--     commits in the window, or its lineage target tables have commit history collected (so the absence
--     of its commits means it wrote nothing); a job whose tables are not collected is not judged; or
--   tables_not_read: every table the job wrote in the window (system.access.table_lineage targets of the
--     job) has no reader in the window other than the job itself (any entity reading it counts, from any
--     workspace).
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
-- whole days of the window from the daily rollup, its first and last day from the runs
spend_parts AS (
  SELECT d.workspace_id, d.job_id, d.runs, d.last_run_time, d.dbus, d.list_cost_usd
  FROM monitor.zombie_job_days AS d
  INNER JOIN scheduled AS s
    ON s.workspace_id = d.workspace_id AND s.job_id = d.job_id
  WHERE d.kind = 'spend'
    AND d.run_date > CAST(:start_time AS DATE)
    AND d.run_date < CAST(:end_time AS DATE)
  UNION ALL
  SELECT r.workspace_id, r.job_id, 1 AS runs, r.start_time AS last_run_time, r.dbus, r.list_cost_usd
  FROM monitor.run_spend AS r
  INNER JOIN scheduled AS s
    ON s.workspace_id = r.workspace_id AND s.job_id = r.job_id
  WHERE r.in_timeline
    AND r.start_time >= :start_time
    AND r.start_time < :end_time
    AND (CAST(r.start_time AS DATE) <= CAST(:start_time AS DATE) OR CAST(r.start_time AS DATE) >= CAST(:end_time AS DATE))
),
spend AS (
  SELECT
    workspace_id,
    job_id,
    CAST(SUM(runs) AS BIGINT) AS runs,
    MAX(last_run_time) AS last_run_time,
    COALESCE(SUM(dbus), 0) AS dbus,
    COALESCE(SUM(list_cost_usd), 0) AS list_cost_usd
  FROM spend_parts
  GROUP BY workspace_id, job_id
),
-- the commits of the window's runs per table: whole days from the daily rollup, first and last day per run
commits AS (
  SELECT d.workspace_id, d.job_id, d.table_full_name, d.commits, d.rows_written
  FROM monitor.zombie_job_days AS d
  INNER JOIN scheduled AS s
    ON s.workspace_id = d.workspace_id AND s.job_id = d.job_id
  WHERE d.kind = 'commit'
    AND d.run_date > CAST(:start_time AS DATE)
    AND d.run_date < CAST(:end_time AS DATE)
  UNION ALL
  SELECT c.workspace_id, c.job_id, c.table_full_name, c.commits, c.rows_written
  FROM monitor.zombie_run_commits AS c
  INNER JOIN scheduled AS s
    ON s.workspace_id = c.workspace_id AND s.job_id = c.job_id
  WHERE c.start_time >= :start_time
    AND c.start_time < :end_time
    AND (CAST(c.start_time AS DATE) <= CAST(:start_time AS DATE) OR CAST(c.start_time AS DATE) >= CAST(:end_time AS DATE))
),
job_commits AS (
  SELECT
    workspace_id,
    job_id,
    CAST(SUM(commits) AS BIGINT) AS commits,
    COALESCE(SUM(rows_written), 0) AS rows_written
  FROM commits
  GROUP BY workspace_id, job_id
),
-- the lineage targets of the scheduled jobs in the window (monitor.zombie_table_days, kind 'write': a day
-- is in the window when its first or last event time is, exact for a window of at least one day)
targets AS (
  SELECT DISTINCT d.workspace_id, d.entity_id AS job_id, d.table_full_name
  FROM monitor.zombie_table_days AS d
  INNER JOIN scheduled AS s
    ON s.workspace_id = d.workspace_id AND s.job_id = d.entity_id
  WHERE d.kind = 'write'
    AND d.event_date >= DATE_ADD(CAST(:start_time AS DATE), -1)
    AND d.event_date <= DATE_ADD(CAST(:end_time AS DATE), 1)
    AND (
      (d.first_time >= :start_time AND d.first_time < :end_time)
      OR (d.last_time >= :start_time AND d.last_time < :end_time)
    )
),
-- the distinct readers of the target tables in the window (kind 'read')
table_readers AS (
  SELECT DISTINCT d.table_full_name, d.workspace_id, d.entity_type, d.entity_id, d.reader
  FROM monitor.zombie_table_days AS d
  WHERE d.kind = 'read'
    AND d.event_date >= DATE_ADD(CAST(:start_time AS DATE), -1)
    AND d.event_date <= DATE_ADD(CAST(:end_time AS DATE), 1)
    AND (
      (d.first_time >= :start_time AND d.first_time < :end_time)
      OR (d.last_time >= :start_time AND d.last_time < :end_time)
    )
),
-- the tables with a commit in the window (kind 'commit')
committed_tables AS (
  SELECT DISTINCT d.table_full_name
  FROM monitor.zombie_table_days AS d
  WHERE d.kind = 'commit'
    AND d.event_date >= DATE_ADD(CAST(:start_time AS DATE), -1)
    AND d.event_date <= DATE_ADD(CAST(:end_time AS DATE), 1)
    AND (
      (d.first_time >= :start_time AND d.first_time < :end_time)
      OR (d.last_time >= :start_time AND d.last_time < :end_time)
    )
),
target_readers AS (
  SELECT
    t.workspace_id,
    t.job_id,
    t.table_full_name,
    COUNT(DISTINCT r.reader) AS readers
  FROM targets AS t
  LEFT JOIN table_readers AS r
    ON r.table_full_name = t.table_full_name
    AND NOT (COALESCE(r.entity_type, '') = 'JOB' AND r.entity_id = t.job_id AND r.workspace_id = t.workspace_id)
  GROUP BY t.workspace_id, t.job_id, t.table_full_name
),
job_lineage AS (
  SELECT
    workspace_id,
    job_id,
    COUNT(*) AS lineage_tables,
    COUNT(CASE WHEN readers = 0 THEN 1 END) AS unread_tables,
    COALESCE(SUM(readers), 0) AS readers
  FROM target_readers
  GROUP BY workspace_id, job_id
),
tracked_targets AS (
  SELECT DISTINCT t.workspace_id, t.job_id
  FROM targets AS t
  INNER JOIN committed_tables AS d
    ON d.table_full_name = t.table_full_name
),
written AS (
  SELECT workspace_id, job_id, table_full_name FROM commits
  UNION
  SELECT workspace_id, job_id, table_full_name FROM targets
),
job_written AS (
  SELECT workspace_id, job_id, COUNT(*) AS tables_written
  FROM written
  GROUP BY workspace_id, job_id
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
    COALESCE(jc.commits, 0) AS commits,
    COALESCE(jc.rows_written, 0) AS rows_written,
    COALESCE(jw.tables_written, 0) AS tables_written,
    COALESCE(jl.lineage_tables, 0) AS lineage_tables,
    COALESCE(jl.unread_tables, 0) AS unread_tables,
    COALESCE(jl.readers, 0) AS readers,
    tt.job_id IS NOT NULL AS targets_tracked
  FROM scheduled AS s
  INNER JOIN spend AS sp
    ON sp.workspace_id = s.workspace_id AND sp.job_id = s.job_id
  LEFT JOIN job_commits AS jc
    ON jc.workspace_id = s.workspace_id AND jc.job_id = s.job_id
  LEFT JOIN job_written AS jw
    ON jw.workspace_id = s.workspace_id AND jw.job_id = s.job_id
  LEFT JOIN job_lineage AS jl
    ON jl.workspace_id = s.workspace_id AND jl.job_id = s.job_id
  LEFT JOIN tracked_targets AS tt
    ON tt.workspace_id = s.workspace_id AND tt.job_id = s.job_id
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
