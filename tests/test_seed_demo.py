"""`manage.py seed_demo`: exactly the demo the README describes, and idempotent."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cohorts.models import BackgroundNote, Cohort, Invitation, Membership, Organization
from insight.cohort_dashboard import cohort_dashboard

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each seeds the whole demo

ACME_EMAILS = {"coach@acme.test", "hr@acme.test", "lead1@acme.test", "lead2@acme.test"} | {
    f"p{n}@acme.test" for n in range(1, 11)
}
GLOBEX_EMAILS = {"coach@globex.test", "hr@globex.test"} | {
    f"p{n}@globex.test" for n in range(1, 5)
}


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return [
        model.objects.count()
        for model in (User, Organization, Cohort, Membership, BackgroundNote, Invitation)
    ] + [EmailAddress.objects.count()]


def test_seed_creates_the_demo_the_readme_describes():
    output = seed()
    assert set(User.objects.values_list("email", flat=True)) == ACME_EMAILS | GLOBEX_EMAILS
    acme = Cohort.objects.get(organization__name="Acme")
    assert (acme.name, acme.kind, acme.capacity, acme.status) == (
        "Leading Through Change",
        "group",
        10,
        "active",
    )
    today = timezone.localdate()
    assert acme.starts_on < today < acme.ends_on
    assert 170 <= (acme.ends_on - acme.starts_on).days <= 190  # about six months
    memberships = {m.user.email: m for m in acme.memberships.select_related("user", "leader")}
    assert memberships["coach@acme.test"].role == "facilitator"
    for n in range(1, 11):
        membership = memberships[f"p{n}@acme.test"]
        assert membership.role == "participant"
        assert membership.leader.email == ("lead1@acme.test" if n <= 5 else "lead2@acme.test")
    assert len(memberships) == 11
    assert acme.organization.memberships.get(user__email="hr@acme.test").role == "hr_admin"
    globex = Cohort.objects.get(organization__name="Globex")
    assert {m.user.email: m.role for m in globex.memberships.select_related("user")} == {
        "coach@globex.test": "facilitator",
        **{f"p{n}@globex.test": "participant" for n in range(1, 5)},
    }
    assert globex.organization.memberships.get(user__email="hr@globex.test").role == "hr_admin"
    # Realistic names, verified emails, the default password.
    for user in User.objects.all():
        assert " " in user.display_name
        assert user.check_password("coach-demo-2026")
        assert EmailAddress.objects.get(user=user, primary=True, verified=True).email == user.email
    assert BackgroundNote.objects.filter(organization=acme.organization).count() >= 3
    assert Invitation.objects.pending().count() == 1
    assert "coach@acme.test" in output and "coach-demo-2026" in output
    assert "/invitations/" in output


def test_seed_twice_adds_nothing_and_sets_the_new_password():
    seed()
    before = counts()
    output = seed("--password", "another-password-9")
    assert counts() == before
    for user in User.objects.all():
        assert user.check_password("another-password-9")
    assert "another-password-9" in output


def test_seed_leaves_an_accepted_demo_invitation_alone():
    seed()
    invitation = Invitation.objects.get()
    accepted_by = User.objects.create_user(email=invitation.email)
    Invitation.objects.filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=accepted_by
    )
    output = seed()
    assert Invitation.objects.count() == 1
    assert "/invitations/" not in output


@pytest.mark.django_db
def test_the_demo_shows_who_appointed_each_facilitator():
    """HR appointed the demo's coaches, as participants see on the roster."""
    call_command("seed_demo", password="demo-pass-1", stdout=io.StringIO())
    coaches = Membership.objects.filter(role=Membership.Role.FACILITATOR).select_related(
        "user", "added_by"
    )
    assert {(m.user.email, m.added_by.email) for m in coaches} == {
        ("coach@acme.test", "hr@acme.test"),
        ("coach@globex.test", "hr@globex.test"),
    }


def test_the_demo_cohorts_dashboard_has_a_history():
    """Ended sessions with one or two absent, check-ins over past periods, one
    quiet participant, and progress over weeks, on the coach's dashboard."""
    seed()
    acme = Cohort.objects.get(organization__name="Acme")
    dashboard = cohort_dashboard(acme)

    assert len(dashboard.attendance.sessions) >= 3
    for column in dashboard.attendance.sessions:
        assert column.rate.expected == 10
        assert 1 <= column.rate.expected - column.rate.done <= 2
    closed = [c for c in dashboard.checkins if not c.is_open]
    assert len(closed) >= 12
    assert all(c.rate.expected == 10 and 5 <= c.rate.done for c in closed)
    assert sum(c.rate.done for c in closed) < 10 * len(closed)  # with gaps
    assert [(str(q.membership.user), len(q.reasons)) for q in dashboard.quiet] == [
        ("Yuki Tanaka", 2)
    ]
    lines = [s for s in dashboard.progress if not s.summary]
    assert len(lines) >= 8 and dashboard.progress[-1].summary
    assert all(
        line.points[-1].on - line.points[0].on >= datetime.timedelta(weeks=4) for line in lines
    )
    assert sum(c.personal for c in dashboard.goals) == 10

    client = Client()
    client.force_login(User.objects.get(email="coach@acme.test"))
    page = client.get(reverse("insight:cohort_dashboard", args=[acme.pk]))
    assert page.status_code == 200
    assert "Yuki Tanaka" in page.content.decode()
