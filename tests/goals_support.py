"""Helpers for the goals, check-ins and partners tests."""

from __future__ import annotations

import datetime

from cohorts.models import Membership
from cohorts.permissions import access_cohort
from goals.models import (
    CheckIn,
    CohortRhythm,
    Goal,
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
)
from tests import factories


def membership(user, cohort) -> Membership:
    return Membership.objects.get(user=user, cohort=cohort)


def access(user, cohort):
    return access_cohort(user, cohort.pk)


def add_participant(cohort, email, name, leader=None):
    user = factories.UserFactory(email=email, display_name=name)
    factories.MembershipFactory(cohort=cohort, user=user, leader=leader)
    return user


def pair_up(cohort, *groups, created_by=None, created_at=None) -> PartnerRound:
    """A partner round in force with the given groups of users."""
    round = PartnerRound.objects.create(cohort=cohort, created_by=created_by)
    if created_at is not None:
        PartnerRound.objects.filter(pk=round.pk).update(created_at=created_at)
    for position, users in enumerate(groups, start=1):
        group = PartnerGroup.objects.create(round=round, position=position)
        for user in users:
            PartnerSlot.objects.create(
                round=round, group=group, membership=membership(user, cohort)
            )
    return round


def personal_goal(
    cohort,
    user,
    *,
    visibility=Goal.Visibility.PRIVATE,
    title="Delegate more",
    status=Goal.Status.ON_TRACK,
    **extra,
) -> Goal:
    return Goal.objects.create(
        cohort=cohort,
        kind=Goal.Kind.PERSONAL,
        owner=membership(user, cohort),
        title=title,
        status=status,
        visibility=visibility,
        **extra,
    )


def shared_goal(cohort, *, title="Psychological safety", **extra) -> Goal:
    return Goal.objects.create(
        cohort=cohort,
        kind=Goal.Kind.SHARED,
        title=title,
        status=Goal.Status.AGREED,
        visibility=Goal.Visibility.COHORT,
        **extra,
    )


def set_rhythm(cohort, **fields) -> CohortRhythm:
    rhythm, _created = CohortRhythm.objects.get_or_create(cohort=cohort)
    for name, value in fields.items():
        setattr(rhythm, name, value)
    rhythm.save()
    return rhythm


def checkin(
    cohort,
    user,
    *,
    period_start: datetime.date,
    shared=False,
    round=None,
    win="Shipped the plan",
    **extra,
) -> CheckIn:
    return CheckIn.objects.create(
        cohort=cohort,
        author=membership(user, cohort),
        period_start=period_start,
        energy=extra.pop("energy", 4),
        win=win,
        shared_with_cohort=shared,
        partner_round=round,
        **extra,
    )


WAIT = 5  # an upper bound for a frame to arrive, never a measured duration


async def cohort_socket(user, cohort_id, *, query=""):
    """A WebsocketCommunicator on /ws/cohorts/<id>/ through the whole ASGI
    stack, with an allowed origin and `user`'s real session cookie."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from config.asgi import application

    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        await sync_to_async(client.force_login)(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    path = f"/ws/cohorts/{cohort_id}/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    return communicator


async def frames_until(communicator, predicate) -> list[dict]:
    """Every frame up to and including the first for which `predicate` holds."""
    import json

    frames = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=WAIT))
        frames.append(frame)
        if predicate(frame):
            return frames


async def close_code(communicator) -> int:
    output = await communicator.receive_output(timeout=WAIT)
    assert output["type"] == "websocket.close", output
    return output["code"]
