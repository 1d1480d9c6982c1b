-- ALERT-01: the lifecycle log of one alert (who did what when), oldest first.
SELECT alert_id, event, status, severity, actor, at, until_time, note
FROM app_state.alert_events
WHERE alert_id = :alert_id
ORDER BY at, event
