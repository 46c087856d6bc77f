"""Forms of the session pages. Rules about sessions live in board/services/;
these only turn what was typed into typed values."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from board.models import AgendaTemplate, CohortSession, Phase, PhaseKind
from lib.text import validate_single_line


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=CohortSession._meta.get_field("title").max_length,
        validators=[validate_single_line],
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=15,
        max_value=480,
        initial=90,
        help_text=_("Sessions typically run 60 to 120 minutes."),
    )

    agenda = forms.ModelChoiceField(
        label=_("Agenda"),
        queryset=AgendaTemplate.objects.none(),
        required=False,
        empty_label=_("The default agenda"),
        help_text=_("Start from the default agenda or from one of your saved templates."),
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = _(
            "Inside the cohort's program window. Time zone: %(zone)s."
        ) % {"zone": timezone.get_current_timezone_name()}
        if templates is None:
            # Editing a session: its agenda is edited on the agenda page.
            del self.fields["agenda"]
        else:
            self.fields["agenda"].queryset = templates

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the session a title."))
        return title


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PhaseKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=Phase._meta.get_field("title").max_length,
        validators=[validate_single_line],
    )
    prompt = forms.CharField(
        label=_("Prompt"),
        required=False,
        max_length=Phase._meta.get_field("prompt").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The question everyone sees on the board during this phase."),
    )
    timebox_minutes = forms.IntegerField(
        label=_("Timebox (minutes)"), min_value=1, max_value=240, initial=10
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous posts"),
        required=False,
        help_text=_("Nobody, not even the facilitators, sees who wrote a reflection."),
    )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the phase a title."))
        return title


class SaveTemplateForm(forms.Form):
    name = forms.CharField(
        label=_("Template name"),
        max_length=AgendaTemplate._meta.get_field("name").max_length,
        validators=[validate_single_line],
        help_text=_("Saved for you, to reuse in your cohorts of this organization."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the template a name."))
        return name


class ApplyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=AgendaTemplate.objects.none(),
        empty_label=None,
        help_text=_("Replaces the phases of this session's agenda."),
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
