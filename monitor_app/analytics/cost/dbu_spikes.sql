-- DBU spikes (COST-02): the runs in the window above :spike_ratio x the p90 DBUs of their baseline (the job's
-- costed runs of the 30 days before the run, earlier spikes excluded, two passes: data/model/run_spend.sql),
-- with the floors :min_baseline_usd and :min_excess_usd. With the default :spike_ratio and
-- :min_baseline_runs it reads the baseline the refresh materialized in monitor.run_spend; a call that
-- overrides either runs this same query over run_spend.sql inline with its values (cost.dbu_spikes_live),
-- so the two paths are one source.
SELECT
  r.workspace_id,
  r.billed_job_id AS job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  r.run_id,
  r.start_time,
  r.result_state,
  CAST(r.dbus AS DOUBLE) AS dbus,
  CAST(r.list_cost_usd AS DOUBLE) AS list_cost_usd,
  r.baseline_runs,
  r.baseline_p90_dbus,
  r.baseline_median_dbus,
  r.dbu_ratio AS ratio,
  CAST(:spike_ratio AS DOUBLE) AS threshold_ratio,
  r.baseline_list_cost_usd,
  r.excess_dbus,
  r.excess_list_cost_usd
FROM monitor.run_spend AS r
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = r.workspace_id AND j.job_id = r.billed_job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = r.workspace_id AND jt.job_id = r.billed_job_id
WHERE r.start_time >= :start_time
  AND r.start_time < :end_time
  AND {{ in_scope(workspace_id=r.workspace_id, job_id=r.billed_job_id) }}
  AND r.baseline_runs >= :min_baseline_runs
  AND CAST(r.dbus AS DOUBLE) > :spike_ratio * r.baseline_p90_dbus
  AND r.baseline_list_cost_usd >= :min_baseline_usd
  AND r.excess_list_cost_usd >= :min_excess_usd
  AND {{ in_scope(team=jt.team) }}
ORDER BY r.excess_list_cost_usd DESC, r.start_time DESC, r.run_id
