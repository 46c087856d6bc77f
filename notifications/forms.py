from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import ReminderKind

# What each kind of email is, in one sentence, beside its checkbox.
KIND_SENTENCES = {
    ReminderKind.SESSION: _(
        "A day before each session of your cohorts, and again an hour before it starts."
    ),
    ReminderKind.CHECKIN: _(
        "Near the end of a check-in period, if you have not written your check-in yet."
    ),
    ReminderKind.AGENDA: _(
        "For facilitators: three days before a session whose agenda is still to prepare."
    ),
    ReminderKind.QUIET: _(
        "For facilitators: when a participant misses two check-ins or two sessions in a row."
    ),
}


class EmailPreferencesForm(forms.Form):
    """One checkbox per kind of reminder email: checked means it is sent."""

    def __init__(self, *args, enabled: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in ReminderKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=kind.value in enabled,
                help_text=KIND_SENTENCES[kind],
            )

    @property
    def enabled_kinds(self) -> set[str]:
        return {kind for kind in ReminderKind.values if self.cleaned_data.get(kind)}
