-- Loopback Jobs API: the latest version of every job of one workspace (deleted ones included: the
-- server leaves them out), with the trigger and settings columns minimal JobSettings are rebuilt from.
WITH versions AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS version_rank,
    MIN(change_time) OVER (PARTITION BY job_id) AS first_change_time
  FROM system.lakeflow.jobs
  WHERE workspace_id = :workspace_id
)
SELECT job_id, name, description, tags, creator_user_name, run_as_user_name, delete_time,
  COALESCE(create_time, first_change_time) AS created_time,
  `trigger`.schedule.quartz_cron_expression AS schedule_cron,
  `trigger`.schedule.timezone_id AS schedule_timezone,
  `trigger`.periodic.`interval` AS periodic_interval,
  `trigger`.periodic.units AS periodic_units,
  `trigger`.continuous.enabled AS continuous_enabled,
  `trigger`.file_arrival.url AS file_arrival_url,
  paused, timeout_seconds, health_rules
FROM versions
WHERE version_rank = 1
