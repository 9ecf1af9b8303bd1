"""A CRM's own configuration, imported into a playbook or compared with one.

Read from what the CRM gives out (Salesforce's retrieved metadata, HubSpot's API
responses) and read into one neutral shape (`config.py`), it becomes a
playbook to complete (`to_playbook.py`) or is compared with one (`drift.py`)."""
