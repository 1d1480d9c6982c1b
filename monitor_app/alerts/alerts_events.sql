-- ALERT-01: the lifecycle log of one alert (who did what when), oldest first.
SELECT alert_id, event, status, severity, actor, at, until_time, note, recorded_at
FROM app_state.alert_events
WHERE alert_id = :alert_id
ORDER BY recorded_at, at, event
