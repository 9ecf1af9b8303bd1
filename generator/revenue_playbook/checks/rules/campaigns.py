"""Campaigns: planned before launch, previewed by sales, with a sound step order."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import date

from ...definitions.businesstime import Calendar
from ...definitions.campaign_time import campaign_date, on_day
from ...definitions.campaign_values import binding_problem, bindings, template_variables
from ...definitions.findings import Finding, Location, Rule, Severity, Vocabulary
from ...definitions.model import (
    Binding,
    Campaign,
    CampaignEmail,
    CampaignStep,
    Playbook,
    parse_duration,
)
from ...definitions.wording import DAYS, count
from ..cycles import loop_edges
from .context import Context

PLANNING_LATE = Rule("PB601", "planning-before-launch", Severity.ERROR,
                     "Planning steps are due before launch; optimization steps after it.",
                     "campaigns")
PREVIEW_LATE = Rule("PB602", "preview-before-launch", Severity.ERROR,
                    "The sales preview step is due before launch.", "campaigns")
UNKNOWN_STEP = Rule("PB603", "unknown-step", Severity.ERROR,
                    "A step depends only on steps of the same campaign.", "campaigns")
STEP_CYCLE = Rule("PB604", "dependency-cycle", Severity.ERROR,
                  "Step dependencies form no cycle.", "campaigns")
STEP_BEFORE_DEPENDENCY = Rule("PB605", "dependency-order", Severity.ERROR,
                              "A step is not due before a step it depends on.", "campaigns")
ONE_TO_ONE_EMAIL = Rule("PB606", "campaign-email-type", Severity.WARNING,
                        "Campaign emails use bulk templates (with an unsubscribe link).",
                        "campaigns")
LEAD_TIME = Rule("PB612", "request-lead-time", Severity.WARNING,
                 "A campaign email is requested at a planning step at least the operational "
                 "SLA's lead time before it is sent.", "alignment")
DATES = Rule("PB607", "campaign-dates", Severity.ERROR,
             "A scheduled, live or done campaign has a launch date, and ends after it.",
             "campaigns")
UNBOUND = Rule("PB608", "unbound-email-variable", Severity.ERROR,
               "Every variable of a campaign email is bound by the campaign, or left to the "
               "recipient's data.", "campaigns")
BINDING_SOURCE = Rule("PB609", "email-value-source", Severity.ERROR,
                      "A campaign email's value comes from a step, fact or recipient the "
                      "campaign has.", "campaigns")
SEND_AFTER_STEP = Rule("PB610", "send-after-step", Severity.ERROR,
                       "An email is sent before the step whose date it announces.",
                       "campaigns")
UNUSED_BINDING = Rule("PB611", "unused-email-value", Severity.WARNING,
                      "A campaign binds only variables its emails use.", "campaigns")


def _steps(cid: str, campaign: Campaign) -> Iterator[Finding]:
    steps = campaign.steps
    known = Vocabulary(steps, ordered=False)
    for sid, step in steps.items():
        if step.phase == "planning" and step.offset >= 0:
            yield Finding(PLANNING_LATE, step.where("offset"),
                          f"planning step '{sid}' of campaign '{cid}' is due on day "
                          f"{step.offset}, not before launch",
                          "Give planning steps a negative offset (business days before "
                          "launch).")
        if step.phase == "optimization" and step.offset < 0:
            yield Finding(PLANNING_LATE, step.where("offset"),
                          f"optimization step '{sid}' of campaign '{cid}' is due before "
                          "launch", "Optimization follows launch: use an offset of 0 or more.")
        if step.sales_preview and step.offset >= 0:
            yield Finding(PREVIEW_LATE, step.where("offset"),
                          f"sales preview step '{sid}' of campaign '{cid}' is due on day "
                          f"{step.offset}, not before launch",
                          "Sales must see the campaign before prospects do: use a negative "
                          "offset.")
        for i, dep in enumerate(step.depends_on):
            if dep not in steps:
                yield Finding(UNKNOWN_STEP, step.where("depends_on", i),
                              f"step '{sid}' depends on '{dep}', which is not a step of "
                              f"campaign '{cid}'",
                              known.did_you_mean(dep) or f"Steps are: {known.listing()}.")
            elif steps[dep].offset > step.offset:
                yield Finding(STEP_BEFORE_DEPENDENCY, step.where("depends_on", i),
                              f"step '{sid}' (day {step.offset}) is due before '{dep}' "
                              f"(day {steps[dep].offset}), which it depends on",
                              "Move the step later or its dependency earlier.")
    yield from _cycles(cid, campaign)


def _cycles(cid: str, campaign: Campaign) -> Iterator[Finding]:
    steps = campaign.steps
    needs = {sid: [d for d in step.depends_on if d in steps] for sid, step in steps.items()}
    for path, dep in loop_edges(steps, needs):
        sid = path[-1]
        loop = [*path[path.index(dep):], dep]
        yield Finding(STEP_CYCLE, steps[sid].where("depends_on", steps[sid].depends_on.index(dep)),
                      f"campaign '{cid}' steps depend on each other in a loop: "
                      f"{' -> '.join(loop)}", "Remove one of the dependencies.")


def _values(cid: str, campaign: Campaign, pb: Playbook) -> Iterator[Finding]:
    used_anywhere: set[str] = set()
    known = Vocabulary(campaign.steps, ordered=False)
    for name, value in campaign.values.items():
        if isinstance(value, Binding):
            yield from _source(cid, campaign, value,
                               functools.partial(campaign.where, "values", name), name, known)
    for i, email in enumerate(campaign.emails):
        template = pb.templates.get(email.template)
        if template is None:
            continue
        used = template_variables(template)
        used_anywhere |= used
        bound = bindings(campaign, email)
        for name, value in email.values.items():
            if isinstance(value, Binding):
                yield from _source(cid, campaign, value,
                                   functools.partial(email.where, "values", name), name,
                                   known)
            if name not in used:
                yield Finding(UNUSED_BINDING, email.where("values", name, key=True),
                              f"campaign '{cid}' email {i + 1} binds '{name}', which "
                              f"template '{email.template}' does not use",
                              f"It uses: {', '.join(sorted(used)) or 'no variables'}.")
        for name in sorted(used - set(bound) - set(pb.merge_fields)):
            if name not in template.variables:
                continue  # undeclared: PB402 says so at the template
            sample = template.variables[name].sample
            yield Finding(UNBOUND, email.where("template"),
                          f"campaign '{cid}' email {i + 1} ('{email.template}') leaves "
                          f"'{name}' unbound: it would show the sample {sample!r}",
                          f"Bind it under the email's (or the campaign's) `values:`: literal "
                          f"text, a step's date (`{name}: {{step: <step id>}}`), a campaign "
                          "fact (`{campaign: name}`, `launch`, `end`, `landing_page`), or "
                          f"`{name}: {{recipient: true}}` when each recipient's data fills it.")
        for name, value in bound.items():
            if isinstance(value, Binding) and value.step in campaign.steps and \
                    name in used:
                step = campaign.steps[value.step]
                late = email.send > step.offset or (
                    email.send == step.offset and _clock_later(pb, campaign, email, step))
                if late:
                    sent = f"day {email.send}" + (f" {email.time}" if email.time else "")
                    due = f"day {step.offset}" + (f" {step.time}" if step.time else "")
                    yield Finding(SEND_AFTER_STEP, email.where("send"),
                                  f"campaign '{cid}' sends '{email.template}' on {sent}, "
                                  f"after step '{value.step}' ({due}) whose date it "
                                  f"announces in '{name}'",
                                  "Send it before the step, or bind another step.")
    for name in campaign.values:
        if name not in used_anywhere and campaign.emails:
            yield Finding(UNUSED_BINDING, campaign.where("values", name, key=True),
                          f"campaign '{cid}' binds '{name}', which none of its emails use",
                          "Remove it, or check the variable's spelling.")


def _clock_later(pb: Playbook, campaign: Campaign, email: CampaignEmail,
                 step: CampaignStep) -> bool:
    """On the same day: is the email sent after the step's time (in their time zones)?"""
    if email.time is None or step.time is None:
        return False
    day = campaign.launch or date(2000, 1, 3)
    sent = on_day(pb, campaign, day, email.time, email.timezone).at
    due = on_day(pb, campaign, day, step.time, step.timezone).at
    if sent is None or due is None:
        return False
    if (sent.tzinfo is None) != (due.tzinfo is None):  # one zone not stated: local clocks
        sent, due = sent.replace(tzinfo=None), due.replace(tzinfo=None)
    return sent > due


def _source(cid: str, campaign: Campaign, binding: Binding, at: Callable[[], Location],
            name: str, known: Vocabulary) -> Iterator[Finding]:
    """A binding's problem, at its `step` or else `at()` (asked only for a problem: a
    position composes the file's YAML again)."""
    problem = binding_problem(campaign, binding)
    if problem is None:
        return
    where = at()
    hint = "Bind it to a step, e.g. `{step: webinar}`, a fact such as `{campaign: name}`, " \
        "or `{recipient: true}`."
    if binding.step is not None and binding.step not in campaign.steps:
        hint = known.did_you_mean(binding.step) or f"Steps are: {known.listing()}."
    if binding.step is not None and binding.where("step").line:
        where = binding.where("step")
    yield Finding(BINDING_SOURCE, where,
                  f"campaign '{cid}' value '{name}': {problem}", hint)


def campaigns(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    for cid, campaign in pb.campaigns.items():
        yield from _steps(cid, campaign)
        if campaign.status != "draft" and campaign.launch is None:
            yield Finding(DATES, campaign.where("status"),
                          f"campaign '{cid}' is {campaign.status} but has no launch date",
                          "Add `launch: YYYY-MM-DD`.")
        if campaign.launch and campaign.end and campaign.end < campaign.launch:
            yield Finding(DATES, campaign.where("end"),
                          f"campaign '{cid}' ends ({campaign.end}) before it launches "
                          f"({campaign.launch})", "Fix one of the dates.")
        yield from _values(cid, campaign, pb)
        for email in campaign.emails:
            template = pb.templates.get(email.template)
            if template is not None and template.type != "bulk":
                yield Finding(ONE_TO_ONE_EMAIL, email.where("template"),
                              f"campaign '{cid}' sends '{email.template}', a one-to-one "
                              "template", "Use a bulk template (set `type: bulk` and add an "
                              "unsubscribe link).")


NON_BUSINESS_DAY = Rule("PB613", "launch-business-day", Severity.WARNING,
                        "A campaign launches on a business day of the SLA's calendar, so its "
                        "launch-day steps and sends do not fall on a weekend or holiday.",
                        "campaigns")


def launch_days(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    if pb.business_hours is None:
        return  # no calendar stated: which days are business days is not encoded
    cal = ctx.calendar
    for cid, campaign in pb.campaigns.items():
        launch = campaign.launch
        if launch is None or cal.is_business_day(launch):
            continue
        kind = "a holiday" if launch in cal.holidays else "not a business day"
        on_it = [f"step '{sid}'" for sid, step in campaign.steps.items() if step.offset == 0]
        on_it += [f"email {i + 1} ('{email.template}')"
                  for i, email in enumerate(campaign.emails) if email.send == 0]
        falls = f": {', '.join(on_it)} fall{'s' if len(on_it) == 1 else ''} on it" \
            if on_it else ""
        yield Finding(NON_BUSINESS_DAY, campaign.where("launch"),
                      f"campaign '{cid}' launches on {DAYS[launch.weekday()]} {launch}, "
                      f"{kind} in the SLA's calendar{falls}",
                      "Launch on a business day: offsets count business days from it.")


def _request_step(campaign: Campaign, email: CampaignEmail) -> str | None:
    """The planning step at which an email's send is requested."""
    if email.requested_at:
        return email.requested_at
    planning = [(step.offset, sid) for sid, step in campaign.steps.items()
                if step.phase == "planning" and step.offset <= email.send]
    return max(planning)[1] if planning else None


def _longest(cal: Calendar, lead_time: object, days: str) -> str:
    values = list(lead_time.values()) if isinstance(lead_time, dict) else [lead_time]
    return max((str(v) for v in values), key=lambda v: cal.minutes(v, days))


def request_lead_times(ctx: Context) -> Iterator[Finding]:
    pb = ctx.playbook
    cal = ctx.calendar
    slas = {oid: op for oid, op in pb.service_levels.items()
            if op.applies_to == "campaign_emails"}
    for cid, campaign in pb.campaigns.items():
        known = Vocabulary(campaign.steps, ordered=False)
        for i, email in enumerate(campaign.emails):
            sid = _request_step(campaign, email)
            if email.requested_at and sid not in campaign.steps:
                yield Finding(UNKNOWN_STEP, email.where("requested_at"),
                              f"email {i + 1} of campaign '{cid}' is requested at "
                              f"'{email.requested_at}', which is not a step of the campaign",
                              known.did_you_mean(email.requested_at) or
                              f"Steps are: {known.listing()}.")
                continue
            if sid is None:
                continue
            step = campaign.steps[sid]
            for op in slas.values():
                lead = _longest(cal, op.lead_time, op.days)
                needed = cal.minutes(lead, op.days)
                asked = campaign_date(campaign, step.offset, cal)
                sent = campaign_date(campaign, email.send, cal)
                if asked and sent:
                    when = f"requested on {asked} (step '{sid}') and sent on {sent}"
                else:
                    when = (f"requested on day {step.offset} (step '{sid}') and sent on day "
                            f"{email.send}")
                business_gap = email.send - step.offset
                if parse_duration(lead, op.days)[1] in ("ch", "cd"):
                    needed = cal.clock_minutes(lead, op.days)
                    days = (sent - asked).days if asked and sent else business_gap * 7 // 5
                    gap = days * 24 * 60
                    apart = count(days, "calendar day")
                else:
                    gap = business_gap * cal.day_minutes
                    apart = count(business_gap, "business day")
                notice = cal.words(lead, op.days)
                if gap < needed:
                    yield Finding(LEAD_TIME, email.where("send"),
                                  f"email {i + 1} of campaign '{cid}' ('{email.template}') is "
                                  f"{when}: {apart} apart, but '{op.name}' needs "
                                  f"{notice} notice",
                                  "Request it at an earlier planning step (`requested_at:`) "
                                  "or send it later.")
