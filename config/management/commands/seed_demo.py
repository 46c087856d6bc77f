"""`python manage.py seed_demo [--password PASSWORD]`: the demo organizations.

Idempotent: a second run finds everything in place, adds nothing twice, and
sets every demo user's password to the one given.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

import board.demo
import goals.demo
from accounts.models import User
from cohorts import services
from cohorts.invitations import invitation_url
from cohorts.models import (
    BackgroundNote,
    Cohort,
    Invitation,
    Membership,
    Organization,
    OrganizationMembership,
)

DEFAULT_PASSWORD = "coach-demo-2026"


@dataclass
class DemoCohort:
    """One demo cohort and its people, handed to each feature's demo seeding."""

    organization: Organization
    cohort: Cohort
    hr_admin: User
    facilitator: User
    participants: list[User]
    leaders: list[User] = field(default_factory=list)
    # The participant whose story is going quiet: no check-in for the last
    # closed periods, absent from the last two sessions. The facilitator's
    # dashboard and the reminders find them.
    quiet: User | None = None


ACME_PARTICIPANTS = [
    "Alex Kim",
    "Samuel Okafor",
    "Maria Santos",
    "Tom Becker",
    "Aisha Rahman",
    "Lucas Moreau",
    "Emma Johansson",
    "Daniel Cohen",
    "Yuki Tanaka",
    "Olivia Brown",
]
GLOBEX_PARTICIPANTS = ["Ben Carter", "Chloé Dubois", "Ravi Patel", "Sofia Rossi"]


def demo_user(email: str, display_name: str, password_hash: str) -> User:
    """The user with `email`, with this name, this password and a verified address."""
    user, _created = User.objects.get_or_create(
        email=email, defaults={"display_name": display_name}
    )
    user.display_name = display_name
    user.is_active = True
    user.password = password_hash
    user.save()
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_organization(name: str, slug: str) -> Organization:
    organization, _created = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
    return organization


def demo_cohort(organization: Organization, name: str, **defaults) -> Cohort:
    cohort = Cohort.objects.filter(organization=organization, name=name).first()
    if cohort is None:
        cohort = services.create_cohort(organization=organization, name=name, **defaults)
    return cohort


def joined_before_the_start(cohort: Cohort, users: list[User]) -> None:
    """The demo's people joined a week before the program began, as if
    invited then: every session and check-in period of its history expects them."""
    day = cohort.starts_on - timedelta(days=7)
    Membership.objects.filter(cohort=cohort, user__in=users).update(
        joined_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=cohort.zone)
    )


def seed_acme(password_hash: str) -> DemoCohort:
    acme = demo_organization("Acme", "acme")
    today = timezone.localdate()
    cohort = demo_cohort(
        acme,
        "Leading Through Change",
        kind=Cohort.Kind.GROUP,
        purpose=(
            "Ten leaders from across Acme build the habits to lead their teams "
            "through the reorganization: clear priorities, honest conversations, "
            "and looking after their own energy."
        ),
        capacity=10,
        starts_on=today - timedelta(days=91),
        ends_on=today + timedelta(days=91),
        status=Cohort.Status.ACTIVE,
    )
    hr_admin = demo_user("hr@acme.test", "Harper Lindqvist", password_hash)
    services.ensure_organization_member(
        organization_id=acme.pk, user=hr_admin, role=OrganizationMembership.Role.HR_ADMIN
    )
    coach = demo_user("coach@acme.test", "Casey Morgan", password_hash)
    services.enroll(cohort=cohort, user=coach, role=Membership.Role.FACILITATOR, added_by=hr_admin)
    leaders = [
        demo_user("lead1@acme.test", "Jordan Ellis", password_hash),
        demo_user("lead2@acme.test", "Priya Raman", password_hash),
    ]
    participants = []
    for number, name in enumerate(ACME_PARTICIPANTS, start=1):
        participant = demo_user(f"p{number}@acme.test", name, password_hash)
        leader = leaders[0] if number <= 5 else leaders[1]
        services.enroll(
            cohort=cohort, user=participant, role=Membership.Role.PARTICIPANT, leader=leader
        )
        participants.append(participant)
    joined_before_the_start(cohort, [coach, *participants])
    return DemoCohort(acme, cohort, hr_admin, coach, participants, leaders, quiet=participants[8])


def seed_globex(password_hash: str) -> DemoCohort:
    globex = demo_organization("Globex", "globex")
    today = timezone.localdate()
    cohort = demo_cohort(
        globex,
        "Product Leadership Team",
        kind=Cohort.Kind.TEAM,
        purpose="The product leadership team works on decisions and trust as one team.",
        capacity=10,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=150),
        status=Cohort.Status.ACTIVE,
    )
    hr_admin = demo_user("hr@globex.test", "Grace Adeyemi", password_hash)
    services.ensure_organization_member(
        organization_id=globex.pk, user=hr_admin, role=OrganizationMembership.Role.HR_ADMIN
    )
    coach = demo_user("coach@globex.test", "Noah Fischer", password_hash)
    services.enroll(cohort=cohort, user=coach, role=Membership.Role.FACILITATOR, added_by=hr_admin)
    participants = []
    for number, name in enumerate(GLOBEX_PARTICIPANTS, start=1):
        participant = demo_user(f"p{number}@globex.test", name, password_hash)
        services.enroll(cohort=cohort, user=participant, role=Membership.Role.PARTICIPANT)
        participants.append(participant)
    joined_before_the_start(cohort, [coach, *participants])
    return DemoCohort(globex, cohort, hr_admin, coach, participants)


def demo_note(demo: DemoCohort, body: str, *, cohort=None, participant=None) -> None:
    BackgroundNote.objects.get_or_create(
        organization=demo.organization,
        cohort=cohort,
        participant=participant,
        body=body,
        defaults={"author": demo.hr_admin},
    )


def seed_background_notes(acme: DemoCohort, globex: DemoCohort) -> None:
    demo_note(
        acme,
        "Acme is merging two business units this year; many managers now lead "
        "people they did not hire. Trust is low after last year's layoffs.",
    )
    demo_note(
        acme,
        "This cohort was chosen from the managers most affected by the merger. "
        "Sessions are on Tuesday mornings, outside the quarterly close.",
        cohort=acme.cohort,
    )
    first = Membership.objects.get(cohort=acme.cohort, user=acme.participants[0])
    demo_note(
        acme,
        "Alex took over a team of 14 in March and wants to delegate more; "
        "their 360 feedback mentions slow decisions.",
        cohort=acme.cohort,
        participant=first,
    )
    demo_note(
        globex,
        "Globex values speed over process; the product team had three heads "
        "of product in two years.",
    )


def pending_invitation(demo: DemoCohort, *, email: str, name: str, role: str) -> str:
    """A pending invitation with a fresh link (returned); no email is sent.

    Only the token's hash is stored, so each run makes a new link that works.
    """
    token, token_hash = Invitation.new_token()
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    invitation = (
        Invitation.objects.filter(cohort=demo.cohort, email=email, accepted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if invitation is None:
        if User.objects.filter(email=email).exists():
            return ""  # Someone accepted it already: the demo stays as it is.
        Invitation.objects.create(
            cohort=demo.cohort,
            email=email,
            name=name,
            role=role,
            token_hash=token_hash,
            invited_by=demo.hr_admin,
            sent_at=now,
            expires_at=expires_at,
        )
    else:
        invitation.token_hash = token_hash
        invitation.sent_at = now
        invitation.expires_at = expires_at
        invitation.revoked_at = None
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "revoked_at"])
    return invitation_url(token)


class Command(BaseCommand):
    help = "Create the demo organizations Acme and Globex (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo user (default: {DEFAULT_PASSWORD}).",
        )

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        # One hash for every demo user: the slow hasher runs once, not twenty times.
        password_hash = make_password(password)
        acme = seed_acme(password_hash)
        globex = seed_globex(password_hash)
        seed_background_notes(acme, globex)
        invitation_link = pending_invitation(
            globex, email="p5@globex.test", name="Mei Lin", role=Invitation.Role.PARTICIPANT
        )

        # Feature demo data. Each feature adds ONE idempotent call here to its
        # own seeding function, given a DemoCohort (cohort, organization,
        # hr_admin, facilitator, participants, leaders), e.g.
        #     board.demo.seed(acme)
        #     goals.demo.seed(acme)
        board.demo.seed(acme)
        goals.demo.seed(acme)

        self.print_logins(password, invitation_link)

    def print_logins(self, password: str, invitation_link: str) -> None:
        rows = [
            ("coach@acme.test", "Acme: facilitator of Leading Through Change"),
            ("p1@acme.test … p10@acme.test", "Acme: participants"),
            ("lead1@acme.test, lead2@acme.test", "Acme: leaders of p1–p5 and p6–p10"),
            ("hr@acme.test", "Acme: HR admin"),
            ("coach@globex.test", "Globex: facilitator of Product Leadership Team"),
            ("p1@globex.test … p4@globex.test", "Globex: participants"),
            ("hr@globex.test", "Globex: HR admin"),
        ]
        width = max(len(email) for email, _role in rows)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /accounts/login/ as:"))
        for email, role in rows:
            self.stdout.write(f"  {email.ljust(width)}  {role}")
        self.stdout.write(f"Password for every demo user: {password}")
        if invitation_link:
            self.stdout.write(f"Pending invitation (p5@globex.test): {invitation_link}")
