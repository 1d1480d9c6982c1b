-- monitor.job_tasks: the latest version of each task (system.lakeflow.job_tasks is SCD2).
-- task_key is unique only within a job: latest row per (workspace_id, job_id, task_key) by change_time.
-- Always rebuilt in full. Columns: docs/data-model.md.
WITH versions AS (
  SELECT
    t.*,
    ROW_NUMBER() OVER (
      PARTITION BY t.workspace_id, t.job_id, t.task_key
      ORDER BY t.change_time DESC, t.delete_time DESC NULLS LAST, t.timeout_seconds DESC NULLS LAST
    ) AS version_rank
  FROM system.lakeflow.job_tasks AS t
)

SELECT
  v.workspace_id,
  v.job_id,
  v.task_key,
  v.depends_on_keys,
  v.timeout_seconds,
  v.delete_time IS NOT NULL AS is_deleted,
  v.change_time
FROM versions AS v
WHERE v.version_rank = 1
