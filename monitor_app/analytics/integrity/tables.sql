-- The tables our jobs wrote in the window (monitor.table_writes), one row each: its writes, the latest one
-- (time, run, job) and the writer jobs (names). integrity.tables_written adds the latest write's
-- judgement, the flag and drift counts.
-- Aggregated per table and writer job first (a few rows per table), so the names and teams are joined to
-- those rows rather than to every write.
WITH per_job AS (
  SELECT
    table_full_name,
    workspace_id,
    job_id,
    count(*) AS writes,
    max(commit_time) AS last_write_time,
    max_by(job_run_id, commit_time) AS last_job_run_id
  FROM monitor.table_writes
  WHERE commit_time >= :start_time
    AND commit_time < :end_time
    AND {{ in_scope(workspace_id=workspace_id, job_id=job_id) }}
  GROUP BY table_full_name, workspace_id, job_id
),

named AS (
  SELECT p.*, j.name AS job_name, {{ team_of(jt.team) }} AS team
  FROM per_job AS p
  LEFT JOIN monitor.jobs AS j
    ON j.workspace_id = p.workspace_id AND j.job_id = p.job_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = p.workspace_id AND jt.job_id = p.job_id
  WHERE {{ in_scope(team=jt.team) }}
),

latest AS (
  SELECT
    table_full_name,
    CAST(sum(writes) AS BIGINT) AS writes,
    max(last_write_time) AS last_write_time,
    max_by(last_job_run_id, last_write_time) AS last_job_run_id,
    max_by(workspace_id, last_write_time) AS workspace_id,
    max_by(job_id, last_write_time) AS job_id,
    max_by(job_name, last_write_time) AS job_name,
    max_by(team, last_write_time) AS team,
    array_sort(collect_set(job_name)) AS writer_jobs
  FROM named
  GROUP BY table_full_name
)

SELECT *
FROM latest
ORDER BY table_full_name
