"""Forms only parse and label input; the rules live in goals/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from goals.models import TEXT_MAX_LENGTH, CheckIn, CohortRhythm, Goal, GoalNote
from lib.text import validate_single_line


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    why = forms.CharField(
        label=_("Why it matters"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    success_measure = forms.CharField(
        label=_("Success measure"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("How will you know you got there?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput())

    def __init__(self, *args, cohort=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cohort is not None:
            self.fields["target_date"].help_text = _("Between %(start)s and %(end)s.") % {
                "start": cohort.starts_on.isoformat(),
                "end": cohort.ends_on.isoformat(),
            }
            self.fields["target_date"].widget.attrs.update(
                min=cohort.starts_on.isoformat(), max=cohort.ends_on.isoformat()
            )


class NewGoalForm(GoalForm):
    """For a facilitator: a shared goal, or a personal goal proposed to one
    participant. For a participant: their own goal, and who may see it."""

    SHARED = "shared"

    for_whom = forms.ChoiceField(label=_("Goal for"))
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Goal.Visibility.choices,
        initial=Goal.Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )

    field_order = ["for_whom", "title", "why", "success_measure", "target_date", "visibility"]

    def __init__(self, *args, participants=(), can_propose=False, **kwargs):
        """`can_propose`: the writer may also write shared goals and propose
        goals to `participants` (`rules.can_propose_goals`)."""
        super().__init__(*args, **kwargs)
        if can_propose:
            self.fields["for_whom"].choices = [
                (self.SHARED, _("The whole cohort (shared goal)"))
            ] + [(str(member.pk), str(member.user)) for member in participants]
            del self.fields["visibility"]
        else:
            del self.fields["for_whom"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in Goal.Status.choices if value != "draft"],
    )


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who may see this goal"),
        choices=Goal.Visibility.choices,
        widget=forms.RadioSelect,
    )


class ProgressForm(forms.Form):
    value = forms.IntegerField(
        label=_("Progress (0 to 100)"), required=False, min_value=0, max_value=100
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label=_("Milestone"), max_length=200, validators=[validate_single_line]
    )
    due_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class NoteForm(forms.Form):
    kind = forms.ChoiceField(choices=GoalNote.Kind.choices, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class CommitmentTieForm(forms.Form):
    commitment = forms.IntegerField(widget=forms.HiddenInput)
    tied = forms.BooleanField(required=False, widget=forms.HiddenInput)


ENERGY_CHOICES = [
    (1, _("1 · drained")),
    (2, _("2 · low")),
    (3, _("3 · steady")),
    (4, _("4 · good")),
    (5, _("5 · full of energy")),
]


class CheckInForm(forms.Form):
    """The check-in, plus one figure and one milestone field per active goal
    (named goal-<id>-value and goal-<id>-milestone)."""

    period_start = forms.DateField(widget=forms.HiddenInput)
    win = forms.CharField(
        label=_("A win"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    challenge = forms.CharField(
        label=_("A challenge"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ask = forms.CharField(
        label=_("An ask for support"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    energy = forms.TypedChoiceField(
        label=_("Energy"), choices=ENERGY_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    shared_with_cohort = forms.BooleanField(
        label=_("Share with the whole cohort (not only my partners and the facilitators)"),
        required=False,
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goal_rows = []
        for goal in goals:
            value_name = f"goal-{goal.pk}-value"
            milestone_name = f"goal-{goal.pk}-milestone"
            self.fields[value_name] = forms.IntegerField(
                label=_("Progress on “%(title)s” (0 to 100)") % {"title": goal.title},
                required=False,
                min_value=0,
                max_value=100,
            )
            open_milestones = [m for m in goal.milestones.all() if not m.done]
            if open_milestones:
                self.fields[milestone_name] = forms.TypedChoiceField(
                    label=_("Milestone reached on “%(title)s”") % {"title": goal.title},
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=[("", _("None this time"))]
                    + [(m.pk, m.title) for m in open_milestones],
                )
            self.goal_rows.append(
                (
                    goal,
                    self[value_name],
                    self[milestone_name] if milestone_name in self.fields else None,
                )
            )

    def progress_entries(self):
        from goals.services import GoalProgressEntry

        entries = []
        for goal, value_field, milestone_field in self.goal_rows:
            value = self.cleaned_data.get(value_field.name)
            milestone = self.cleaned_data.get(milestone_field.name) if milestone_field else None
            if value is not None or milestone is not None:
                entries.append(
                    GoalProgressEntry(goal_id=goal.pk, value=value, milestone_id=milestone)
                )
        return entries

    @classmethod
    def initial_for(cls, checkin: CheckIn | None, period_start) -> dict:
        if checkin is None:
            return {"period_start": period_start}
        initial = {
            "period_start": period_start,
            "win": checkin.win,
            "challenge": checkin.challenge,
            "ask": checkin.ask,
            "energy": checkin.energy,
            "shared_with_cohort": checkin.shared_with_cohort,
        }
        for update in checkin.progress.filter(value__isnull=False):
            initial[f"goal-{update.goal_id}-value"] = update.value
        return initial


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Set by cohort.js: the same id as an earlier socket attempt, so a reply
    # that reached the server before the connection dropped is stored once.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)


class RhythmForm(forms.Form):
    cadence = forms.ChoiceField(
        label=_("Check-in cadence"),
        choices=CohortRhythm.Cadence.choices,
        widget=forms.RadioSelect,
    )
    weekday = forms.TypedChoiceField(
        label=_("Periods start on"), choices=CohortRhythm.Weekday.choices, coerce=int
    )
    participants_see_leader_goals = forms.BooleanField(
        label=_("Participants may see the goals their peers share with their leaders"),
        required=False,
    )


class PartnerEditForm(forms.Form):
    """One "group number" field per participant (named member-<membership id>)."""

    def __init__(self, *args, participants=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        numbers = range(1, max(len(participants) // 2, 1) + 1)
        current = {member.pk: index for index, group in enumerate(groups, 1) for member in group}
        for member in participants:
            name = f"member-{member.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("Group for %(name)s") % {"name": member.user},
                choices=[(n, _("Group %(n)d") % {"n": n}) for n in numbers],
                coerce=int,
                initial=current.get(member.pk, 1),
            )

    def assignment(self) -> dict[int, int]:
        return {
            int(name.removeprefix("member-")): number for name, number in self.cleaned_data.items()
        }
