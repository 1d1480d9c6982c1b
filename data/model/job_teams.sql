-- Team of each job (monitor.job_teams), first match wins, in this order:
--   1. job tags: the configured tag keys in order (the first key set on the job's latest version);
--   2. billing custom_tags with the same keys, from the most recent usage row of the job;
--   3. mapping rules in priority order (lower priority number first, then rule name);
--   4. otherwise team 'unattributed', attributed_by 'none'.
-- The two CTEs `tag_keys` and `rules` are placeholders: data/attribution.py replaces their bodies with
-- rows of bound parameters (:k0, :k1, ... and :r0_name, :r0_kind, ...) built with sqlglot, so the number
-- of keys and rules can vary and no configured text is ever formatted into the SQL. As written here (no
-- keys, no rules) every job is unattributed.
-- Matching: job_name_prefix compares the start of the latest job name; job_name_pattern is SQL LIKE
-- (% any run of characters, _ any one character); run_as and creator compare user names exactly. All
-- comparisons ignore case. Tags are read with try_element_at: a missing key is NULL on a warehouse in ANSI
-- mode too (element_at would raise there).
CREATE OR REPLACE TABLE monitor.job_teams AS
WITH tag_keys AS (
  SELECT CAST(0 AS INT) AS key_order, CAST(NULL AS STRING) AS tag_key
  WHERE FALSE
),
rules AS (
  SELECT
    CAST(0 AS INT) AS rule_order,
    CAST(NULL AS STRING) AS rule_name,
    CAST(NULL AS STRING) AS match_kind,
    CAST(NULL AS STRING) AS match_value,
    CAST(NULL AS STRING) AS team
  WHERE FALSE
),
-- The most recent usage row of each job: the greatest (usage_start_time, usage_end_time, record_id), NULLs
-- last as in ORDER BY ... DESC (the *_is_set flags put a NULL below any value), taken with max_by in one
-- hash aggregation instead of a window sort of all usage; custom_tags is wrapped in a struct so that a NULL
-- map on that row is kept, as a row number would keep it (max_by may skip NULL values).
latest_usage AS (
  SELECT
    u.workspace_id,
    u.usage_metadata.job_id AS job_id,
    max_by(
      named_struct('custom_tags', u.custom_tags),
      named_struct(
        'start_is_set', u.usage_start_time IS NOT NULL, 'usage_start_time', u.usage_start_time,
        'end_is_set', u.usage_end_time IS NOT NULL, 'usage_end_time', u.usage_end_time,
        'record_is_set', u.record_id IS NOT NULL, 'record_id', u.record_id
      )
    ).custom_tags AS custom_tags
  FROM system.billing.usage AS u
  WHERE u.usage_metadata.job_id IS NOT NULL
  GROUP BY u.workspace_id, u.usage_metadata.job_id
),
candidates AS (
  SELECT
    j.workspace_id,
    j.job_id,
    1 AS source_rank,
    k.key_order AS item_order,
    NULLIF(TRIM(try_element_at(j.tags, k.tag_key)), '') AS team,
    CONCAT('job_tag:', k.tag_key) AS attributed_by
  FROM monitor.jobs AS j
  CROSS JOIN tag_keys AS k
  UNION ALL
  SELECT
    lu.workspace_id,
    lu.job_id,
    2 AS source_rank,
    k.key_order AS item_order,
    NULLIF(TRIM(try_element_at(lu.custom_tags, k.tag_key)), '') AS team,
    CONCAT('billing_tag:', k.tag_key) AS attributed_by
  FROM latest_usage AS lu
  CROSS JOIN tag_keys AS k
  UNION ALL
  SELECT
    j.workspace_id,
    j.job_id,
    3 AS source_rank,
    r.rule_order AS item_order,
    r.team,
    CONCAT('rule:', r.rule_name) AS attributed_by
  FROM monitor.jobs AS j
  INNER JOIN rules AS r
    ON (
      (r.match_kind = 'job_name_prefix' AND LEFT(LOWER(j.name), LENGTH(r.match_value)) = LOWER(r.match_value))
      OR (r.match_kind = 'job_name_pattern' AND LOWER(j.name) LIKE LOWER(r.match_value))
      OR (r.match_kind = 'run_as' AND LOWER(r.match_value) IN (LOWER(j.run_as_user_name), LOWER(j.run_as)))
      OR (r.match_kind = 'creator' AND LOWER(j.creator_user_name) = LOWER(r.match_value))
    )
),
ranked AS (
  SELECT
    workspace_id,
    job_id,
    team,
    attributed_by,
    ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY source_rank, item_order) AS rn
  FROM candidates
  WHERE team IS NOT NULL
)
SELECT
  j.workspace_id,
  j.job_id,
  {{ team_of(r.team) }} AS team,
  COALESCE(r.attributed_by, 'none') AS attributed_by
FROM monitor.jobs AS j
LEFT JOIN ranked AS r
  ON r.workspace_id = j.workspace_id AND r.job_id = j.job_id AND r.rn = 1
