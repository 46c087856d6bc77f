"""Bench data: cohorts of ten demo-style users, each cohort with one live session.

    DATABASE_URL=... python -m bench.seed users --cohorts 100 --out var/bench/users.json
    DATABASE_URL=... python -m bench.seed count-board
    PEER_DATABASE_URL=... python -m bench.seed count-peer

Each user is signed in the way Django's `login()` signs one in: a row in the
session table holding the user's id, backend and session hash, whose key is the
`sessionid` cookie the load generator sends. Password hashing is done once for
all (every bench user has the demo password), not 10 times per cohort.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

import django

COHORT_SIZE = 10  # one facilitator and nine participants


def seed_users(*, cohorts: int, password: str) -> list[dict]:
    """Create `cohorts` cohorts with a live session each; return the load generator's view."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from board.models import CohortSession, Phase
    from board.services import default_agenda
    from cohorts.models import Cohort, Membership, Organization, OrganizationMembership

    now = timezone.now()
    today = timezone.localdate()
    hashed = make_password(password)
    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench Org"})
        start = Cohort.objects.filter(organization=org).count()
        new_cohorts = Cohort.objects.bulk_create(
            Cohort(
                organization=org,
                name=f"Bench cohort {start + i}",
                starts_on=today - datetime.timedelta(days=30),
                ends_on=today + datetime.timedelta(days=90),
                status=Cohort.Status.ACTIVE,
            )
            for i in range(cohorts)
        )
        users = User.objects.bulk_create(
            User(
                email=f"bench-c{cohort.pk}-{slot}@bench.test",
                display_name=f"{'Coach' if slot == 0 else 'Member'} {cohort.pk}-{slot}",
                password=hashed,
            )
            for cohort in new_cohorts
            for slot in range(COHORT_SIZE)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        OrganizationMembership.objects.bulk_create(
            OrganizationMembership(organization=org, user=u) for u in users
        )
        memberships = Membership.objects.bulk_create(
            Membership(
                cohort=cohort,
                user=users[c * COHORT_SIZE + slot],
                role=Membership.Role.FACILITATOR if slot == 0 else Membership.Role.PARTICIPANT,
            )
            for c, cohort in enumerate(new_cohorts)
            for slot in range(COHORT_SIZE)
        )
        sessions = CohortSession.objects.bulk_create(
            CohortSession(
                cohort=cohort,
                title="Bench session",
                starts_at=now,
                status=CohortSession.Status.LIVE,
                started_at=now,
                created_by=users[c * COHORT_SIZE],
            )
            for c, cohort in enumerate(new_cohorts)
        )
        # The agenda every new session starts from, as the product makes it.
        agenda = default_agenda()
        Phase.objects.bulk_create(
            Phase(session=session, position=position, **phase)
            for session in sessions
            for position, phase in enumerate(agenda, 1)
        )
        phases = {
            (p.session_id, p.kind): p
            for p in Phase.objects.filter(session__in=sessions).only("id", "session_id", "kind")
        }
        for session in sessions:
            session.current_phase = phases[(session.pk, "checkin")]
        CohortSession.objects.bulk_update(sessions, ["current_phase"])

        store = SessionStore()
        expire = now + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        keys = [store._get_new_session_key() for _ in users]
        Session.objects.bulk_create(
            Session(
                session_key=key,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=expire,
            )
            for user, key in zip(users, keys, strict=True)
        )
    cookie_name = settings.SESSION_COOKIE_NAME
    return [
        {
            "session": session.pk,
            "phase": phases[(session.pk, "reflection")].pk,
            "members": [
                {
                    "user": users[c * COHORT_SIZE + slot].pk,
                    "membership": memberships[c * COHORT_SIZE + slot].pk,
                    "role": "facilitator" if slot == 0 else "participant",
                    "cookie": f"{cookie_name}={keys[c * COHORT_SIZE + slot]}",
                }
                for slot in range(COHORT_SIZE)
            ],
        }
        for c, session in enumerate(sessions)
    ]


def count_board() -> dict:
    """Stored bench reflections: how many, and how many distinct client ids."""
    from board.models import Reflection

    rows = Reflection.objects.filter(text__startswith="bench ")
    return {"rows": rows.count(), "distinct": rows.values("client_id").distinct().count()}


def count_peer() -> dict:
    from bench.peer.models import Message

    rows = Message.objects.filter(kind="reflection.post")
    return {"rows": rows.count(), "distinct": rows.values("text").distinct().count()}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["users", "count-board", "count-peer"])
    parser.add_argument("--cohorts", type=int, default=2)
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "coach-demo-2026"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE",
        "bench.peer.settings" if args.command == "count-peer" else "config.settings",
    )
    django.setup()
    if args.command == "users":
        cohorts = seed_users(cohorts=args.cohorts, password=args.password)
        args.out.write_text(json.dumps(cohorts))
    elif args.command == "count-board":
        print(json.dumps(count_board()))
    else:
        print(json.dumps(count_peer()))


if __name__ == "__main__":
    main(sys.argv[1:])
