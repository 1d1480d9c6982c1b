-- monitor.jobs: the latest version of each job (system.lakeflow.jobs is SCD2: one row per change).
-- Latest row per (workspace_id, job_id) by change_time; on a tie a row with delete_time set wins, then the
-- greatest name, so that the choice is deterministic. A job is deleted when its latest row has delete_time.
-- Always rebuilt in full (a few rows per job). Columns: docs/data-model.md.
WITH versions AS (
  SELECT
    j.*,
    ROW_NUMBER() OVER (
      PARTITION BY j.workspace_id, j.job_id
      ORDER BY j.change_time DESC, j.delete_time DESC NULLS LAST, j.name DESC NULLS LAST
    ) AS version_rank
  FROM system.lakeflow.jobs AS j
),

name_counts AS (
  SELECT workspace_id, job_id, COUNT(DISTINCT name) AS name_versions
  FROM system.lakeflow.jobs
  GROUP BY workspace_id, job_id
)

SELECT
  v.workspace_id,
  v.job_id,
  v.name,
  v.description,
  v.creator_user_name,
  v.run_as_user_name,
  v.run_as,
  v.tags,
  v.change_time,
  v.create_time,
  v.delete_time IS NOT NULL AS is_deleted,
  v.delete_time,
  v.paused,
  v.trigger.schedule.quartz_cron_expression AS schedule_cron,
  v.trigger.schedule.timezone_id AS schedule_timezone,
  v.trigger_type,
  v.timeout_seconds,
  CAST(n.name_versions AS BIGINT) AS name_versions
FROM versions AS v
JOIN name_counts AS n ON n.workspace_id = v.workspace_id AND n.job_id = v.job_id
WHERE v.version_rank = 1
