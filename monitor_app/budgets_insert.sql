-- COST-03: a new version of a team's or a job's monthly budget (never updated in place: is_active = FALSE clears).
INSERT INTO app_state.budgets (scope, team, workspace_id, job_id, monthly_usd, set_by, set_at, is_active)
VALUES (:scope, :team, :workspace_id, :job_id, :monthly_usd, :set_by, :set_at, :is_active)
