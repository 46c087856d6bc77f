"""Names and titles are one line: no control character, format character or
line/paragraph separator, in forms and in services alike; and an invitation
whose email cannot be written is rolled back instead of holding a seat."""

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from board import services as board_services
from board.forms import PhaseForm, SaveTemplateForm, SessionForm
from board.models import AgendaTemplate, CohortSession, Phase
from board.rules import access_session
from cohorts import bulk, invitation_acceptance, invitations
from cohorts import services as cohort_services
from cohorts.forms import CohortForm, InvitationSignupForm, InviteForm
from cohorts.models import Cohort, Invitation
from cohorts.permissions import access_cohort
from goals import services as goal_services
from goals.forms import GoalForm, MilestoneForm
from goals.models import Goal, Milestone
from lib.errors import DomainError
from lib.text import is_single_line, validate_single_line
from tests import board_helpers, factories

pytestmark = pytest.mark.django_db

# Characters that break a line or hide in one: Cc, Cf, Zl, Zp.
BREAKERS = [
    "\n",  # line feed (Cc)
    "\r",  # carriage return (Cc)
    "\t",  # tab (Cc)
    "\x1b",  # escape (Cc)
    "\x85",  # next line (Cc)
    "\u200b",  # zero-width space (Cf)
    "\u202e",  # right-to-left override (Cf)
    "\u00ad",  # soft hyphen (Cf)
    "\u2028",  # line separator (Zl)
    "\u2029",  # paragraph separator (Zp)
]


def named(char: str) -> str:
    return f"Leaders{char}Circle"


# The validator ----------------------------------------------------------------------


@pytest.mark.parametrize("char", BREAKERS)
def test_a_line_break_or_an_invisible_character_is_not_single_line(char):
    assert not is_single_line(named(char))
    with pytest.raises(Exception) as refused:
        validate_single_line(named(char))
    assert refused.value.code == "not_single_line"


@pytest.mark.parametrize(
    "value",
    [
        "Leaders Circle",
        "Équipe « Nord »",
        "Café 北京 Ωμάδα",
        "R&D <Leads>",
        "Team 🚀",
        "",
        "Coders 👩\u200d💻",  # a zero-width joiner inside one emoji
        "می\u200cخواهم",  # a zero-width non-joiner in a Persian word
        # A flag: a black flag, then tag characters, then a cancel tag.
        "Wales \U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
    ],
)
def test_ordinary_names_in_any_script_are_single_line(value):
    assert is_single_line(value)
    validate_single_line(value)


# Forms ---------------------------------------------------------------------------------


def cohort_form_data(**overrides):
    return {
        "name": "Leaders Circle",
        "kind": Cohort.Kind.GROUP,
        "purpose": "Line one.\nLine two.",
        "capacity": 10,
        "starts_on": "2026-01-10",
        "ends_on": "2026-07-10",
        "time_zone": "UTC",
        **overrides,
    }


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (CohortForm, "name"),
        (InviteForm, "name"),
        (lambda data: InvitationSignupForm(data, email="n@acme.test"), "display_name"),
        (lambda data: SessionForm(data, zone=zoneinfo.ZoneInfo("Europe/Paris")), "title"),
        (PhaseForm, "title"),
        (SaveTemplateForm, "name"),
        (GoalForm, "title"),
        (MilestoneForm, "title"),
    ],
)
@pytest.mark.parametrize("char", ["\n", "\u2028", "\u202e"])
def test_every_name_and_title_field_refuses_a_second_line(form, field, char):
    bound = form({field: named(char)})
    assert not bound.is_valid()
    assert "single line" in " ".join(bound.errors[field])
    assert form({field: "Leaders Circle"}).errors.get(field) is None


def test_a_multi_line_purpose_is_still_allowed():
    """Only names and titles are single-line; descriptions keep their lines."""
    form = CohortForm(cohort_form_data())
    assert form.is_valid(), form.errors


def test_the_cohort_edit_page_refuses_a_name_with_a_line_break(client, cohort, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("cohorts:edit", args=[cohort.pk]),
        cohort_form_data(name="Leading\nThrough Change"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    cohort.refresh_from_db()
    assert cohort.name == "Leading Through Change"


# Services (what consumers, the CSV import and the views all call) ------------------------


@pytest.mark.parametrize("char", ["\n", "\u2029", "\u200b"])
def test_cohort_services_refuse_a_name_that_is_not_one_line(acme, cohort, char):
    before = Cohort.objects.count()
    with pytest.raises(DomainError) as refused:
        cohort_services.create_cohort(
            organization=acme,
            name=named(char),
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 6, 1),
        )
    assert refused.value.code == "bad_name"
    assert Cohort.objects.count() == before
    with pytest.raises(DomainError):
        cohort_services.update_cohort(cohort=cohort, name=named(char))
    cohort.refresh_from_db()
    assert cohort.name == "Leading Through Change"


def test_invite_refuses_a_name_with_a_line_break(cohort, hr_admin):
    with pytest.raises(DomainError) as refused:
        invitations.invite(
            cohort=cohort,
            invited_by=hr_admin,
            email="newcomer@acme.test",
            role="participant",
            name="Nova\nBcc: everyone@acme.test",
        )
    assert refused.value.code == "bad_name"
    assert "single line" in refused.value.message
    assert not Invitation.objects.exists()


def test_a_csv_row_whose_name_holds_a_line_break_is_refused_alone(cohort, hr_admin):
    """A quoted CSV cell may hold a line break; that row is refused, the others invited."""
    text = 'email,name\nok@acme.test,Olive Ok\nbad@acme.test,"Bad\nName"\n'
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    assert [row.email for row in report.invited] == ["ok@acme.test"]
    (refused,) = report.refused
    assert refused.email == "bad@acme.test"
    assert "single line" in refused.error
    assert list(Invitation.objects.values_list("email", flat=True)) == ["ok@acme.test"]


def test_sign_up_service_refuses_a_display_name_with_a_line_break(cohort):
    invitation = factories.InvitationFactory(cohort=cohort, email="newcomer@acme.test")
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.sign_up_with_invitation(
            invitation=invitation,
            display_name="Nova\u2028Newcomer",
            password="a-long-and-rare-passphrase",
        )
    assert refused.value.code == "bad_name"
    assert not User.objects.filter(email="newcomer@acme.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_board_services_refuse_titles_and_names_that_are_not_one_line(cohort, facilitator):
    session = board_helpers.scheduled_session(cohort, facilitator)
    phases_before = list(Phase.objects.values_list("pk", "title"))
    cohort_access = access_cohort(facilitator, cohort.pk)
    session_access = access_session(facilitator, session.pk)
    phase = session.phases.first()
    attempts = [
        lambda: board_services.create_session(
            access=cohort_access,
            title="Session\n4",
            starts_at=timezone.now() + datetime.timedelta(days=2),
            duration_minutes=90,
        ),
        lambda: board_services.update_session(
            access=session_access,
            title="Session\u20283",
            starts_at=session.starts_at,
            duration_minutes=90,
        ),
        lambda: board_services.add_phase(access=session_access, kind="reflection", title="A\rB"),
        lambda: board_services.update_phase(
            access=session_access,
            phase_id=phase.pk,
            kind=phase.kind,
            title="Check\tin",
            prompt=phase.prompt,
            timebox_minutes=phase.timebox_minutes,
            anonymous=phase.anonymous,
        ),
        lambda: board_services.save_agenda_template(access=session_access, name="My\nagenda"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "invalid"
        assert isinstance(refused.value.message, str)  # fit for a JSON error frame
    assert CohortSession.objects.count() == 1
    assert CohortSession.objects.get().title == session.title
    assert list(Phase.objects.values_list("pk", "title")) == phases_before
    assert not AgendaTemplate.objects.exists()


def test_goal_services_refuse_titles_that_are_not_one_line(cohort, facilitator, participant):
    access = access_cohort(facilitator, cohort.pk)
    with pytest.raises(DomainError) as refused:
        goal_services.create_shared_goal(access=access, title="Listen\nmore")
    assert refused.value.code == "invalid"
    goal = goal_services.create_shared_goal(access=access, title="Listen more")
    with pytest.raises(DomainError):
        goal_services.edit_goal(access=access, goal=goal, title="Listen\u2029more")
    with pytest.raises(DomainError):
        goal_services.add_milestone(access=access, goal=goal, title="First\nstep")
    goal.refresh_from_db()
    assert goal.title == "Listen more"
    assert list(Goal.objects.values_list("title", flat=True)) == ["Listen more"]
    assert not Milestone.objects.exists()


# The invitation email is written before the commit -----------------------------------------

LINK = re.compile(r"/invitations/(?P<token>[^/\s]+)/")


@pytest.fixture
def cohort_with_broken_name(cohort):
    """A cohort named before names had to be one line (the database allows it)."""
    Cohort.objects.filter(pk=cohort.pk).update(name="Leading\nThrough Change")
    cohort.refresh_from_db()
    return cohort


def test_an_invitation_whose_email_cannot_be_written_is_rolled_back(
    cohort_with_broken_name, hr_admin, django_capture_on_commit_callbacks
):
    """No pending invitation holds a seat with no email sent: the refusal says
    what to fix, and nothing is stored."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(DomainError) as refused:
            invitations.invite(
                cohort=cohort_with_broken_name,
                invited_by=hr_admin,
                email="newcomer@acme.test",
                role="participant",
            )
    assert refused.value.code == "email_not_written"
    assert "cohort's name" in refused.value.message
    assert callbacks == []
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_invite_page_shows_the_refusal_instead_of_failing(
    client, cohort_with_broken_name, hr_admin, django_capture_on_commit_callbacks
):
    client.force_login(hr_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:invite", args=[cohort_with_broken_name.pk]),
            {"email": "newcomer@acme.test", "name": "Nova", "role": "participant"},
        )
    assert response.status_code == 200
    assert "cohort&#x27;s name" in str(response.context["form"].non_field_errors())
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_resend_whose_email_cannot_be_written_changes_nothing(
    cohort, hr_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            cohort=cohort, invited_by=hr_admin, email="newcomer@acme.test", role="participant"
        )
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(hours=2)
    )
    Cohort.objects.filter(pk=cohort.pk).update(name="Leading\r\nThrough Change")
    before = Invitation.objects.values().get(pk=invitation.pk)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(DomainError) as refused:
            invitations.resend_invitation(invitation=invitation)
    assert refused.value.code == "email_not_written"
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    assert len(mail.outbox) == sent
