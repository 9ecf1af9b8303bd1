"""The rules `playbook crm-diff` reports by: where a CRM's configuration and the playbook
say different things. They are not checks of the definitions alone (they need the CRM's
folder, see `crm/drift.py`), but they are listed with every rule so settings, `playbook
rules` and SARIF know them."""

from __future__ import annotations

from ...definitions.findings import Rule, Severity

VALUE = Rule("PB901", "crm-value-differs", Severity.ERROR,
             "The CRM holds each stage's and status's label, probability, forecast category "
             "and outcome as the playbook says.", "crm")
MISSING = Rule("PB902", "crm-missing", Severity.ERROR,
               "Every process, stage and status of the playbook is in the CRM.", "crm")
EXTRA = Rule("PB903", "crm-extra", Severity.ERROR,
             "The CRM holds no process, stage or status the playbook does not define.", "crm")
ORDER = Rule("PB904", "crm-order", Severity.ERROR,
             "The CRM lists stages and statuses in the playbook's order.", "crm")
CANNOT_HOLD = Rule("PB905", "crm-cannot-hold", Severity.ERROR,
                   "The playbook says only what the CRM can hold (what `playbook export` "
                   "would refuse).", "crm")
