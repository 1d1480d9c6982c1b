-- COST-03: the teams a budget can name: every team a job is attributed to, and 'unattributed'.
SELECT DISTINCT team FROM monitor.job_teams
UNION
SELECT {{ unattributed() }} AS team
