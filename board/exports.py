"""The session summary as Markdown and CSV files (from services.session_summary).

Times are written in the cohort's time zone, and the files say which: a file
outlives the page it came from and is passed around, so it reads the same
whoever downloaded it, unlike the page, which shows the reader's zone.
"""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from board.stream import EMOJIS
from lib.markdown import escape
from lib.spreadsheets import csv_cell


def _when(moment, zone) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _quote(text: str) -> str:
    lines = escape(text).splitlines() or [""]
    return "\n".join("> " + line if line else ">" for line in lines)


def _reactions(counts: dict) -> str:
    return ", ".join(f"{emoji} {n}" for emoji, n in counts.items() if n)


def summary_markdown(summary: dict) -> str:
    """Every text a person typed (titles, prompts, names, reflections,
    commitments) goes in escaped: it reads as typed and renders as nothing else."""
    session = summary["session"]
    lines = [
        f"# {escape(session.title)}",
        "",
        _("Cohort: %(cohort)s") % {"cohort": escape(summary["cohort"].name)},
        _("Date: %(when)s (%(zone)s)")
        % {
            "when": _when(session.started_at or session.starts_at, summary["cohort"].zone),
            "zone": summary["cohort"].time_zone,
        },
        "",
        "## " + _("Agenda"),
        "",
    ]
    for phase in summary["phases"]:
        lines.append(
            f"{phase['position']}. {escape(phase['title'])} ({phase['kind_label']}, "
            + _("%(minutes)d min") % {"minutes": phase["timebox_minutes"]}
            + ")"
        )
    for phase in summary["phases"]:
        lines += ["", f"## {phase['position']}. {escape(phase['title'])}", ""]
        if phase["prompt"]:
            lines += [f"*{escape(phase['prompt'])}*", ""]
        if not phase["reflections"]:
            lines.append(_("No reflections."))
        for entry in phase["reflections"]:
            lines.append(_quote(entry["text"]))
            details = [escape(entry["author"]) if entry["author"] else _("anonymous")]
            if entry["reaction_total"]:
                details.append(_reactions(entry["reactions"]))
            if entry["spotlighted"]:
                details.append(_("spotlighted"))
            if entry["hidden"]:
                details.append(_("hidden"))
            lines += ["", "— " + "; ".join(details), ""]
    lines += ["", "## " + _("Spotlighted"), ""]
    lines += [_quote(e["text"]) + "\n" for e in summary["spotlighted"]] or [_("None.")]
    lines += ["", "## " + _("Commitments"), ""]
    commitments = [f"- {escape(c['author'])}: {escape(c['text'])}" for c in summary["commitments"]]
    lines += commitments or [_("None.")]
    lines += ["", "## " + _("Attendance"), ""]
    attendance = [f"- {escape(a['name'])} ({a['role_label']})" for a in summary["attendance"]]
    lines += attendance or [_("None.")]
    return "\n".join(lines).rstrip() + "\n"


def summary_csv(summary: dict) -> str:
    """One row per reflection, commitment and attendee, in that order."""
    zone = summary["cohort"].zone
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "record",
            "phase_position",
            "phase_title",
            "author",
            "text",
            *EMOJIS,
            "spotlighted",
            "hidden",
            f"time ({summary['cohort'].time_zone})",
        ]
    )
    for phase in summary["phases"]:
        for entry in phase["reflections"]:
            writer.writerow(
                [
                    "reflection",
                    phase["position"],
                    csv_cell(phase["title"]),
                    csv_cell(entry["author"] or ""),
                    csv_cell(entry["text"]),
                    *(entry["reactions"][emoji] for emoji in EMOJIS),
                    "yes" if entry["spotlighted"] else "no",
                    "yes" if entry["hidden"] else "no",
                    _when(entry["created_at"], zone),
                ]
            )
    blanks = [""] * len(EMOJIS)
    for commitment in summary["commitments"]:
        writer.writerow(
            [
                "commitment",
                "",
                "",
                csv_cell(commitment["author"]),
                csv_cell(commitment["text"]),
                *blanks,
                "",
                "",
                _when(commitment["created_at"], zone),
            ]
        )
    for attendee in summary["attendance"]:
        writer.writerow(
            [
                "attendance",
                "",
                "",
                csv_cell(attendee["name"]),
                attendee["role"],
                *blanks,
                "",
                "",
                _when(attendee["first_joined_at"], zone),
            ]
        )
    return out.getvalue()
