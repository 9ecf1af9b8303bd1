"""Previews for marketers and reps: a template or a whole campaign, as it will be sent.

Text for the terminal, or one standalone HTML file to share; every value is escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..definitions.businesstime import Calendar
from ..definitions.campaign_time import Moment, email_moment, step_moment
from ..definitions.campaign_values import render_email
from ..definitions.model import Playbook, Template
from ..definitions.presentation import PHASE_TITLES, RenderedPart, render_sample, role_name, when
from ..definitions.wording import or_not_defined
from ..safety.encoders import visible


@dataclass
class PreviewPart:
    """A titled part of a preview: lines, then emails."""

    title: str
    lines: list[str] = field(default_factory=list)
    emails: list[tuple[str, str, str]] = field(default_factory=list)  # heading, subject, body


@dataclass
class Preview:
    title: str
    sections: list[PreviewPart]

    def text(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for section in self.sections:
            out += ["", section.title, "-" * len(section.title), *section.lines]
            for heading, subject, body in section.emails:
                out += ["", f"[{heading}]"] if heading else [""]
                out += [f"Subject: {subject}", "", body.rstrip()]
        return "\n".join(out) + "\n"

    def html(self) -> str:
        def e(value: str) -> str:  # the pages' invisible-character policy, then HTML
            return html.escape(visible(value))

        parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{e(self.title)}"
                 "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;"
                 "margin:2rem auto;padding:0 1rem;color:#1e293b}h1{font-size:1.6rem}"
                 ".email{border:1px solid #cbd5e1;border-radius:.5rem;padding:1rem;"
                 "margin:1rem 0;background:#f8fafc}.email pre{white-space:pre-wrap;"
                 "font:inherit;margin:0}.subject{font-weight:600}</style>",
                 f"<h1>{e(self.title)}</h1>"]
        for section in self.sections:
            parts.append(f"<h2>{e(section.title)}</h2>")
            if section.lines:
                parts.append("<ul>" + "".join(f"<li>{e(line.lstrip('- '))}</li>"
                                              for line in section.lines) + "</ul>")
            for heading, subject, body in section.emails:
                parts.append('<div class="email">' + (f"<h3>{e(heading)}</h3>" if heading
                                                      else "")
                             + f'<p class="subject">Subject: {e(subject)}</p>'
                             + f"<pre>{e(body)}</pre></div>")
        return "\n".join(parts) + "\n</html>\n"


def render_template(template: Template, playbook: Playbook) -> tuple[str, str]:
    """Subject and body rendered with the sample values (errors become readable text)."""
    def shown(part: RenderedPart) -> str:
        return part.text if part.text is not None else f"[cannot render: {part.error}]"

    subject, body = render_sample(template, playbook)
    return shown(subject), shown(body)


def template_preview(playbook: Playbook, template_id: str) -> Preview:
    template = playbook.templates[template_id]
    subject, body = render_template(template, playbook)
    kind = "bulk (marketing)" if template.type == "bulk" else "one-to-one (sales)"
    owner = playbook.roles.get(template.owner or "")
    lines = [f"- Type: {kind}"] + ([f"- Owner: {owner.name}"] if owner else [])
    return Preview(f"Template: {template.name}", [
        PreviewPart("About", lines), PreviewPart("Email, with sample data", emails=[("", subject,
                                                                            body)])])


def campaign_preview(playbook: Playbook, campaign_id: str) -> Preview:
    campaign = playbook.campaigns[campaign_id]
    calendar = Calendar.of(playbook)

    def due(offset: int, at: Moment | None) -> str:
        return when(campaign, offset, calendar, at)

    def role(rid: str) -> str:
        return role_name(playbook, rid)

    persona = playbook.personas.get(campaign.persona) if campaign.persona else None
    draft = " (not approved yet)" if campaign.status == "draft" else ""
    about = [f"- Status: {campaign.status}{draft}",
             f"- Objective: {or_not_defined(campaign.objective)}",
             f"- Persona: {persona.name if persona else or_not_defined(campaign.persona)}",
             f"- Owner: {role(campaign.owner)}",
             f"- Launch: {campaign.launch.isoformat() if campaign.launch else 'not set'}"]
    sections = [PreviewPart("About", about)]
    for phase, title in PHASE_TITLES.items():
        steps = sorted(((sid, s) for sid, s in campaign.steps.items() if s.phase == phase),
                       key=lambda item: item[1].offset)
        if steps:
            sections.append(PreviewPart(title, [
                f"- {due(s.offset, step_moment(playbook, campaign, calendar, sid))}: "
                f"{s.name} ({role(s.owner)})" + (" [SALES PREVIEW]" if s.sales_preview else "")
                for sid, s in steps]))
    emails = PreviewPart("Emails, as prospects will receive them")
    marked = False
    for email in sorted(campaign.emails, key=lambda m: m.send):
        sent = due(email.send, email_moment(playbook, campaign, calendar, email))
        template = playbook.templates.get(email.template)
        if template is None:
            emails.lines.append(f"- {sent}: unknown template {email.template}")
            continue
        out = render_email(playbook, campaign, email, template, calendar,
                           mark=lambda value: f"⟨{value}⟩")
        heading = f"{sent}: {template.name}" + (
            f" — to {email.audience}" if email.audience else "")
        body = out.body if out.error is None else f"[cannot render: {out.error}]"
        if out.unbound:
            body += "\n\n[not bound by the campaign, shown with samples: " \
                + ", ".join(sorted(out.unbound)) + "]"
        marked = marked or bool(out.samples)
        emails.emails.append((heading, out.subject, body))
    if marked:
        emails.lines.append("- ⟨…⟩ sample data: each recipient gets their own value")
    sections.append(emails)
    sales = [f"- {role(r)} receives a copy of every email above" for r in
             campaign.sales_inclusion] or ["- No sales role is included in the emails."]
    previews = [(sid, s) for sid, s in campaign.steps.items() if s.sales_preview]
    sales += [f"- Sales preview: {s.name}, due "
              f"{due(s.offset, step_moment(playbook, campaign, calendar, sid))}, "
              f"owned by {role(s.owner)}" for sid, s in previews] or [
                  "- No sales preview step: add one before launch."]
    sections.append(PreviewPart("What sales will see", sales))
    return Preview(f"Campaign: {campaign.name}", sections)
