"""The values a campaign's emails are sent with.

A campaign binds its emails' template variables: literal text, or a fact of the campaign
(a step's date and time, launch, end, name, landing page), or `recipient: true` for data the
email platform fills per recipient. Previews render each email with these values; only the
per-recipient fields (shared merge fields, and variables left to the recipient) show their
samples, and the preview marks them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import templating
from .businesstime import Calendar
from .campaign_time import Moment, step_moment
from .model import Binding, Campaign, CampaignEmail, Playbook, Template
from .presentation import sample_values

# Around a sample value in a rendered email, so that a page can mark it (private-use
# characters: Markdown leaves them alone). The definitions cannot write them: they are
# removed from every rendered email before the marks are put in.
SAMPLE_START, SAMPLE_END = "\ue000", "\ue001"
# Around a sample value while the email renders: a number drawn for this process, which no
# definition can know in advance, so no text can pass for a sample.
_OPEN = f"\ue000{secrets.token_hex(8)}\ue001"
_CLOSE = f"\ue001{secrets.token_hex(8)}\ue000"


def template_variables(template: Template) -> set[str]:
    """Every variable the template's subject and body read (empty where they do not parse)."""
    used: set[str] = set()
    for source in (template.subject, template.body):
        parsed = templating.parse(source)
        if parsed.error is None:
            used |= parsed.variables
    return used


def bindings(campaign: Campaign, email: CampaignEmail) -> dict[str, Binding | str | int | float]:
    """The email's bindings over the campaign's."""
    return {**campaign.values, **email.values}


def binding_problem(campaign: Campaign, binding: Binding) -> str | None:
    """Why a binding cannot give a value, in words (None when it can)."""
    sources = [binding.step is not None, binding.campaign is not None, binding.recipient]
    if sum(sources) != 1:
        return "give exactly one of `step`, `campaign` or `recipient: true`"
    if binding.step is not None and binding.step not in campaign.steps:
        return f"'{binding.step}' is not a step of this campaign"
    if binding.campaign == "end" and campaign.end is None:
        return "the campaign has no `end` date"
    if binding.campaign == "landing_page" and not campaign.landing_page:
        return "the campaign has no `landing_page`"
    if binding.campaign == "launch" and campaign.launch is None:
        return "the campaign has no `launch` date"
    return None


@dataclass
class EmailValues:
    """The values one campaign email is rendered with."""

    values: dict[str, Any] = field(default_factory=dict)
    samples: set[str] = field(default_factory=set)  # per-recipient: shown with sample data
    unbound: set[str] = field(default_factory=set)  # neither bound nor left to the recipient


def email_values(playbook: Playbook, campaign: Campaign, email: CampaignEmail,
                 template: Template, calendar: Calendar) -> EmailValues:
    """Campaign values for the variables it binds; samples, marked, for the rest."""
    out = EmailValues()
    sample = sample_values(template, playbook)
    bound = bindings(campaign, email)
    for name in sorted(template_variables(template)):
        binding = bound.get(name)
        if binding is not None and not isinstance(binding, Binding):
            out.values[name] = binding  # literal text or number
            continue
        if binding is not None and not binding.recipient and \
                binding_problem(campaign, binding) is None:
            value = _computed(playbook, campaign, calendar, binding)
            if value is not None:
                out.values[name] = value
                continue
        if name in sample:
            out.values[name] = sample[name]
        out.samples.add(name)
        per_recipient = name in playbook.merge_fields or (
            binding is not None and binding.recipient)
        if not per_recipient:
            out.unbound.add(name)
    return out


def _computed(playbook: Playbook, campaign: Campaign, calendar: Calendar,
              binding: Binding) -> str | None:
    if binding.step is not None:
        when = step_moment(playbook, campaign, calendar, binding.step)
        return when.words(binding.format) if when else None
    if binding.campaign == "name":
        return campaign.name
    if binding.campaign == "landing_page":
        return campaign.landing_page
    day = campaign.launch if binding.campaign == "launch" else campaign.end
    return Moment(day).words("date") if day else None


class RenderedEmail(NamedTuple):
    subject: str
    body: str
    samples: dict[str, Any]  # the per-recipient fields shown with sample data
    unbound: set[str]
    error: str | None = None


def render_email(playbook: Playbook, campaign: Campaign, email: CampaignEmail,
                 template: Template, calendar: Calendar,
                 mark: Callable[[str], str] | None = None) -> RenderedEmail:
    """The email as a recipient receives it; each sample value is passed through `mark`
    (e.g. to highlight it) after the whole email is rendered."""
    ev = email_values(playbook, campaign, email, template, calendar)
    samples = {name: ev.values[name] for name in sorted(ev.samples) if name in ev.values}
    marked = dict(ev.values)
    if mark is not None:
        for name, value in samples.items():
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                marked[name] = f"{_OPEN}{value}{_CLOSE}"
    try:
        try:
            subject = templating.render(template.subject, marked)
            body = templating.render(template.body, marked)
            if mark is not None:
                subject, body = _apply_marks(subject, mark), _apply_marks(body, mark)
        except Exception:
            if mark is None:
                raise
            # a template that compares, measures or cuts a value: render unmarked
            subject = _unmarked(templating.render(template.subject, ev.values))
            body = _unmarked(templating.render(template.body, ev.values))
    except Exception as exc:  # the validator reports it by line; previews say so
        return RenderedEmail(template.subject, template.body, samples, ev.unbound,
                             f"{type(exc).__name__}: {exc}")
    return RenderedEmail(subject, body, samples, ev.unbound)


class _CutMark(ValueError):
    """A sample's mark was cut or reordered by the template (a filter such as truncate)."""


def _unmarked(text: str) -> str:
    return text.replace(SAMPLE_START, "").replace(SAMPLE_END, "")


def _apply_marks(text: str, mark: Callable[[str], str]) -> str:
    """Each marked sample passed through `mark`; SAMPLE_START and SAMPLE_END occur in the
    result only where `mark` put them."""
    out: list[str] = []
    rest = text
    while _OPEN in rest:
        before, _, tail = rest.partition(_OPEN)
        inner, found, rest = tail.partition(_CLOSE)
        if not found or _OPEN in inner or _CLOSE in before:
            raise _CutMark
        out += [_unmarked(before), mark(_unmarked(inner))]
    if _CLOSE in rest:
        raise _CutMark
    out.append(_unmarked(rest))
    return "".join(out)


def marked_markdown(text: str, opening: str, closing: str) -> str:
    """Text whose sample markers became `opening` / `closing` (for already-escaped text)."""
    return text.replace(SAMPLE_START, opening).replace(SAMPLE_END, closing)
