"""Campaigns: planned before launch, previewed by sales, with a sound step order."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Rule, Severity, did_you_mean
from ..graphs import loop_edges
from ..model import Campaign
from . import Context, check

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
DATES = Rule("PB607", "campaign-dates", Severity.ERROR,
             "A scheduled, live or done campaign has a launch date, and ends after it.",
             "campaigns")


def _steps(cid: str, campaign: Campaign) -> Iterator[Finding]:
    steps = campaign.steps
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
                              did_you_mean(dep, steps) or f"Steps are: {', '.join(steps)}.")
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


@check
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
        for email in campaign.emails:
            template = pb.templates.get(email.template)
            if template is not None and template.type != "bulk":
                yield Finding(ONE_TO_ONE_EMAIL, email.where("template"),
                              f"campaign '{cid}' sends '{email.template}', a one-to-one "
                              "template", "Use a bulk template (set `type: bulk` and add an "
                              "unsubscribe link).")
