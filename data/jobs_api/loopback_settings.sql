-- Each job's settings as the simulator wrote them; {catalog} is replaced by the catalog
-- loopback_settings_catalog.sql found (an identifier cannot be a bound parameter).
SELECT job_id, settings_json FROM `{catalog}`.demo.job_settings WHERE workspace_id = :workspace_id
