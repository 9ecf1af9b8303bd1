"""The playbook measured against the team's CRM data (`playbook measure DATA`).

`load` reads a folder of exports (Salesforce, HubSpot or the neutral schema) into DuckDB
with a finding for every row it cannot use; `engine` computes each KPI's actual, SLA
compliance, cadence adherence, stale deals, stage conversion and durations, and
probability calibration from the definitions; `report` writes them as text, JSON,
GitHub annotations or SARIF; `site` makes the pages; `simulate` writes a CRM's exports
for any playbook; `warehouse` compiles the measures' SQL for another engine.
"""
