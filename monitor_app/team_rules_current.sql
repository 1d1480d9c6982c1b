-- COST-02: the latest version of every team mapping rule saved in the app, active or not (a deactivated
-- rule also hides a monitor.yaml rule of the same name). On a tie of set_at the deactivation wins.
WITH versions AS (
  SELECT
    rule_name,
    match_kind,
    match_value,
    team,
    priority,
    set_by,
    set_at,
    is_active,
    ROW_NUMBER() OVER (PARTITION BY rule_name ORDER BY set_at DESC, is_active ASC) AS version_rank,
    COUNT(*) OVER (PARTITION BY rule_name) AS versions
  FROM app_state.team_rules
)
SELECT rule_name, match_kind, match_value, team, priority, set_by, set_at, is_active, versions
FROM versions
WHERE version_rank = 1
ORDER BY priority, rule_name
