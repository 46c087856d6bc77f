import calendar
import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import DISPLAY_NAME_MAX_LENGTH
from accounts.models import User
from cohorts.models import Cohort, Invitation, Membership
from cohorts.services import capacity_range
from lib.text import validate_single_line

CSV_MAX_BYTES = 1_000_000


def posted_data(request, *, files=False):
    """A form's data for a POST (even an empty one, so that it shows its
    errors), None for a GET: `Form(posted_data(request))`."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, or the month's last day
    if it is shorter (31 August + 6 months is the end of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_usual_window(starts_on: datetime.date, ends_on: datetime.date) -> bool:
    """Whether the program runs COHORT_WINDOW_MONTHS, counted in calendar
    months, bounds included."""
    shortest, longest = settings.COHORT_WINDOW_MONTHS
    return add_months(starts_on, shortest) <= ends_on <= add_months(starts_on, longest)


def window_weeks(starts_on: datetime.date, ends_on: datetime.date) -> int:
    return max(1, round((ends_on - starts_on).days / 7))


def capacity_help() -> str:
    return ", ".join(
        _("a %(kind)s %(low)d to %(high)d") % {"kind": label.lower(), "low": low, "high": high}
        for kind, label in Cohort.Kind.choices
        for low, high in [capacity_range(kind)]
    )


class CohortForm(forms.ModelForm):
    """A cohort's details. Its state is not here: it moves by the cohort
    page's buttons (cohorts/lifecycle.py). A program window outside the usual
    6 to 9 months comes back with a box to tick, and is saved only once it is
    ticked for that very window."""

    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, initial=10)
    confirm_window = forms.BooleanField(required=False)
    # The window the box was offered for ("start/end"): a box ticked for
    # another window confirms nothing.
    window_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Cohort
        fields = ["name", "kind", "purpose", "capacity", "starts_on", "ends_on", "time_zone"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "purpose": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "kind": _("A group gathers leaders from across the organization; a team is intact."),
            "ends_on": _("Programs typically run 6 to 9 months."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(validate_single_line)
        self.fields["capacity"].help_text = _(
            "Most participants the cohort can hold: %(ranges)s."
        ) % {"ranges": capacity_help()}
        self.asks_window = False

    def clean(self):
        cleaned = super().clean()
        kind, capacity = cleaned.get("kind"), cleaned.get("capacity")
        if kind in Cohort.Kind.values and capacity is not None:
            low, high = capacity_range(kind)
            if not low <= capacity <= high:
                self.add_error(
                    "capacity",
                    _("A %(kind)s holds %(low)d to %(high)d participants.")
                    % {"kind": Cohort.Kind(kind).label.lower(), "low": low, "high": high},
                )
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", _("The program must end after it starts."))
        elif starts_on and ends_on:
            self._check_window(starts_on, ends_on)
        if not self.asks_window:
            # The box shows only while it is asked.
            del self.fields["confirm_window"], self.fields["window_shown"]
        return cleaned

    def _check_window(self, starts_on, ends_on) -> None:
        unchanged = self.instance.pk is not None and (starts_on, ends_on) == (
            self.instance.starts_on,
            self.instance.ends_on,
        )
        if unchanged or is_usual_window(starts_on, ends_on):
            return
        shown = f"{starts_on.isoformat()}/{ends_on.isoformat()}"
        confirmed = self.cleaned_data.get("confirm_window")
        if confirmed and self.cleaned_data.get("window_shown") == shown:
            return
        weeks = window_weeks(starts_on, ends_on)
        self.asks_window = True
        self.fields["confirm_window"].label = ngettext(
            "Yes, this programme runs %(count)d week",
            "Yes, this programme runs %(count)d weeks",
            weeks,
        ) % {"count": weeks}
        # The page comes back with the box unticked, offered for this window.
        data = self.data.copy()
        data[self.add_prefix("window_shown")] = shown
        data.pop(self.add_prefix("confirm_window"), None)
        self.data = data
        self.add_error(
            "confirm_window",
            ngettext(
                "This program runs %(count)d week, outside the usual %(shortest)d to "
                "%(longest)d months. "
                "Tick the box to confirm it, or change the dates.",
                "This program runs %(count)d weeks, outside the usual %(shortest)d to "
                "%(longest)d months. "
                "Tick the box to confirm it, or change the dates.",
                weeks,
            )
            % {
                "count": weeks,
                "shortest": settings.COHORT_WINDOW_MONTHS[0],
                "longest": settings.COHORT_WINDOW_MONTHS[1],
            },
        )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=120,
        validators=[validate_single_line],
        help_text=_("Used in the email and as their display name if they sign up."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Invitation.Role.choices)
    leader_email = forms.EmailField(
        label=_("Leader email"),
        required=False,
        help_text=_(
            "Participants only: their own manager, who supports their goals. "
            "Must be a member of the organization or invited as a leader, and "
            "neither in this cohort nor an HR admin."
        ),
    )


class BulkInviteForm(forms.Form):
    csv_text = forms.CharField(
        label=_("Paste CSV"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One person per line: email,name,role,leader_email. The header line is "
            "optional; role is participant (default), facilitator or leader."
        ),
    )
    csv_file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if not upload:
            return ""
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 1 MB)."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
            ) from None

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("csv_text", "").strip()
        uploaded = cleaned.get("csv_file", "")
        if text and uploaded:
            raise forms.ValidationError(_("Paste CSV or upload a file, not both."))
        if not text and not uploaded and not self.errors:
            raise forms.ValidationError(_("Paste CSV or choose a file."))
        cleaned["text"] = text or uploaded
        return cleaned


class LeaderForm(forms.Form):
    """A participant's leader, among `candidates`: pass
    cohorts.services.leader_candidates, which follows the service's rules."""

    leader = forms.ModelChoiceField(
        label=_("Leader"),
        queryset=None,
        required=False,
        empty_label=_("No leader"),
    )

    def __init__(self, *args, membership: Membership, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = candidates.exclude(pk=membership.user_id)
        self.fields["leader"].initial = membership.leader_id
        self.fields["leader"].label_from_instance = lambda user: (
            f"{user.display_name} ({user.email})" if user.display_name else user.email
        )


ORGANIZATION = "organization"
COHORT = "cohort"


class BackgroundNoteForm(forms.Form):
    """A new note: what it is about, and the note itself."""

    about = forms.ChoiceField(label=_("About"))
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, cohort: Cohort | None, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(ORGANIZATION, _("The organization and its culture"))]
        if cohort is not None:
            choices.append((COHORT, _("This cohort")))
            choices += [(str(membership.pk), str(membership.user)) for membership in participants]
        else:
            del self.fields["about"]
        if "about" in self.fields:
            self.fields["about"].choices = choices
        self.participants = {str(membership.pk): membership for membership in participants}

    def subject(self) -> tuple[str, object]:
        """("organization" | "cohort" | "participant", participant membership or None)."""
        about = self.cleaned_data.get("about", ORGANIZATION)
        if about in (ORGANIZATION, COHORT):
            return about, None
        return "participant", self.participants[about]


class BackgroundNoteEditForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 5}))


class InvitationSignupForm(forms.Form):
    """A new person accepting an invitation: the email comes from the invitation."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        validators=[validate_single_line],
        help_text=_("How others in your cohorts see you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("You must type the same password each time."))
        elif password1:
            candidate = User(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
