-- COST-02: a new version of a team mapping rule (rows are never updated in place: is_active = FALSE
-- deactivates). The latest version of a rule name is the one in force (team_rules_current.sql).
INSERT INTO app_state.team_rules (rule_name, match_kind, match_value, team, priority, set_by, set_at, is_active)
VALUES (:rule_name, :match_kind, :match_value, :team, :priority, :set_by, :set_at, :is_active)
