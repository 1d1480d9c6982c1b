-- How many jobs a rule or a tag attributes to a team (what a refresh and a saved team rule report).
SELECT COUNT(*) AS n FROM monitor.job_teams WHERE team <> {{ unattributed() }}
