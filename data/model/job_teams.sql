-- Team of each job: the first job tag key that is set (minimal version: one key, :tag_key).
-- Extended by the cost-attribution work: billing custom tags, then mapping rules, else 'unattributed'.
CREATE OR REPLACE TABLE monitor.job_teams AS
SELECT
  j.workspace_id,
  j.job_id,
  COALESCE(NULLIF(TRIM(element_at(j.tags, :tag_key)), ''), 'unattributed') AS team,
  CASE WHEN NULLIF(TRIM(element_at(j.tags, :tag_key)), '') IS NOT NULL THEN CONCAT('job_tag:', :tag_key) ELSE 'none' END AS attributed_by
FROM monitor.jobs AS j
