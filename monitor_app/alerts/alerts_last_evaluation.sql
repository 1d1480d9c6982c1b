-- ALERT-01: the latest evaluation (when, as of when, which rules, what changed).
SELECT evaluated_at, as_of, rules, firing, opened, reopened, resolved, seconds, problems
FROM app_state.alert_evaluations
ORDER BY evaluated_at DESC
LIMIT 1
