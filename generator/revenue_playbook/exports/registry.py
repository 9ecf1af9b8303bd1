"""The export targets, by the name `playbook export` takes."""

from __future__ import annotations

from ..definitions.model import Playbook
from . import emails, hubspot, ics, salesforce, taskboards
from .base import ExportFailed, Output, Parts, Target

TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("salesforce", "Salesforce",
           "Metadata API folder: OpportunityStage and LeadStatus value sets, a Path per "
           "sales process with each stage's guidance and key fields, package.xml",
           "`sf project deploy start --metadata-dir salesforce --target-org ORG`",
           salesforce.export, lambda pb: bool(pb.processes or pb.lifecycle or pb.lead_statuses)),
    Target("hubspot", "HubSpot",
           "CRM API v3 request bodies: a deal pipeline per sales process; lifecycle stage "
           "and lead status property options; calls.json lists each call",
           "send each body in calls.json with a private app token, e.g. `curl -X POST "
           "https://api.hubapi.com/crm/v3/pipelines/deals -H 'Authorization: Bearer TOKEN' "
           "-H 'Content-Type: application/json' -d @pipelines/new_business.json`",
           hubspot.export, lambda pb: bool(pb.processes or pb.lifecycle or pb.lead_statuses)),
    Target("emails", "Sales and marketing tools",
           "Each template in the merge-field syntax of every tool it names in `tools:` "
           "(HubSpot, Salesforce, Marketo, Outreach, Salesloft): TOOL/ID.txt and "
           "TOOL/ID.html, with TOOL/templates.json listing subjects",
           "paste the subject and body into a new template: HubSpot Templates > New "
           "template; Salesforce Email Templates > New (Lightning); Marketo Design Studio > "
           "Emails > New; Outreach Content > Templates > New; Salesloft Cadences > "
           "Templates > New",
           emails.export, emails.applies, emails.export),
    Target("asana", "Asana",
           "A CSV per campaign: each step a task with its section (phase), assignee (the "
           "owner role's email), due date and the steps it waits for",
           "in Asana, + Create > Project > Import spreadsheet, then choose the CSV",
           taskboards.asana, lambda pb: bool(pb.campaigns)),
    Target("trello", "Trello",
           "A board file per campaign (a list per phase, a card per step with its owner, "
           "due date and the steps it waits for) and create_board.py, which makes the "
           "board through Trello's REST API (Trello imports no board file)",
           "`TRELLO_KEY=... TRELLO_TOKEN=... python3 create_board.py CAMPAIGN.json` "
           "(Python 3, nothing to install; key and token from Trello's API key page)",
           taskboards.trello, lambda pb: bool(pb.campaigns)),
    Target("ics", "Calendars",
           "An iCalendar file per campaign (deadlines, the sales preview gate, sends and "
           "events) and one for the weekly revenue meeting",
           "Google Calendar: Settings > Import & export > Import; Outlook: Add calendar > "
           "Upload from file; Apple Calendar: File > Import",
           ics.export, ics.applies),
]}


def target_names() -> list[str]:
    return list(TARGETS)


def build(playbook: Playbook, name: str, parts: Parts | None = None) -> Output:
    """The files of target `name` for a valid playbook; raises ExportFailed listing every
    part the target cannot express. With `parts`, a target that makes its files in parts
    makes each through it (`Parts`)."""
    target = TARGETS[name]
    out = (target.make(playbook) if parts is None or target.make_parts is None
           else target.make_parts(playbook, parts))
    if out.problems:
        raise ExportFailed(name, out.problems)
    return out
