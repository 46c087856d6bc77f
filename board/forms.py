"""Forms of the session pages. Rules about sessions live in board/services/;
these only turn what was typed into typed values."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from board.models import AgendaTemplate, CohortSession, Phase, PhaseKind
from board.services.agenda import SERIES_MAX_SESSIONS, SERIES_MIN_SESSIONS
from lib.text import validate_single_line


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CohortDateTimeField(forms.DateTimeField):
    """A date and time typed in the cohort's time zone, whatever the reader's:
    a session is planned where the cohort meets. Shown back in that zone too.
    A wall time that does not exist there (skipped by a daylight-saving
    change) or exists twice is refused by Django's own check."""

    widget = DateTimeInput

    def __init__(self, *, zone, **kwargs):
        self.zone = zone
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(self.zone):
            return super().prepare_value(value)


REPEAT_CHOICES = [
    (0, _("Does not repeat")),
    (1, _("Every week")),
    (2, _("Every 2 weeks")),
    (4, _("Every 4 weeks")),
]


class SessionForm(forms.Form):
    """Schedule a session or a series (`templates` given), or edit one session.
    `zone` is the cohort's time zone: the start is typed in it."""

    title = forms.CharField(
        label=_("Title"),
        max_length=CohortSession._meta.get_field("title").max_length,
        validators=[validate_single_line],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=15,
        max_value=480,
        initial=90,
        help_text=_("Sessions typically run 60 to 120 minutes."),
    )
    repeat = forms.TypedChoiceField(
        label=_("Repeat"),
        choices=REPEAT_CHOICES,
        coerce=int,
        empty_value=0,
        required=False,
        initial=0,
        help_text=_("A series keeps the same local time each week, across clock changes."),
    )
    count = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=SERIES_MIN_SESSIONS,
        max_value=SERIES_MAX_SESSIONS,
        required=False,
    )
    agenda = forms.ModelChoiceField(
        label=_("Agenda"),
        queryset=AgendaTemplate.objects.none(),
        required=False,
        empty_label=_("The default agenda"),
        help_text=_("Start from the default agenda or from one of your saved templates."),
    )

    field_order = ["title", "starts_at", "duration_minutes", "repeat", "count", "agenda"]

    def __init__(self, *args, zone, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        zone_name = str(zone)
        self.fields["starts_at"] = CohortDateTimeField(
            zone=zone,
            label=_("Starts at (time in %(zone)s)") % {"zone": zone_name},
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            help_text=_(
                "In the cohort's time zone, whatever your own: 09:00 means 09:00 in "
                "%(zone)s. Inside the program window."
            )
            % {"zone": zone_name},
        )
        self.order_fields(self.field_order)
        if "count" in self.fields:
            self.fields["count"].help_text = _(
                "For a series: from %(low)d to %(high)d sessions, within the program."
            ) % {"low": SERIES_MIN_SESSIONS, "high": SERIES_MAX_SESSIONS}
        if templates is None:
            # Editing one session: its agenda is edited on the agenda page,
            # and a series is planned only when scheduling.
            for name in ("agenda", "repeat", "count"):
                del self.fields[name]
        else:
            self.fields["agenda"].queryset = templates

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the session a title."))
        return title

    def clean(self):
        data = super().clean()
        if data.get("repeat") and data.get("count") is None and "count" not in self.errors:
            self.add_error(
                "count",
                _("Say how many sessions the series has, from %(low)d to %(high)d.")
                % {"low": SERIES_MIN_SESSIONS, "high": SERIES_MAX_SESSIONS},
            )
        return data


class CancelSessionForm(forms.Form):
    following = forms.BooleanField(required=False)


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
