-- COST-03: every version of every budget saved in the app, oldest first.
SELECT scope, team, workspace_id, job_id, monthly_usd, set_by, set_at, is_active
FROM app_state.budgets
ORDER BY set_at, scope, team, workspace_id, job_id
