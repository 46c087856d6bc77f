"""A check-in is read by the partners of the moment it was written.

Rearranging the groups of the round in force would hand check-ins already
written in it to people they were not written for: once someone has checked
in, the round's groups stay as they are and the facilitator rotates instead.
A rotation starts a new round; earlier check-ins keep the partners of theirs.
"""

import random

import pytest
from django.test import Client
from django.urls import reverse

from goals import periods, rules, services
from goals.models import CheckIn, CheckInReply, PartnerRound, PartnerSlot
from lib.errors import DomainError
from tests.goals_support import access, add_participant, membership, pair_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(cohort, participant, other_participant):
    """Pat and Robin are partners, Quinn and Max the other pair."""
    quinn = add_participant(cohort, "p3@acme.test", "Quinn Three")
    max_ = add_participant(cohort, "p4@acme.test", "Max Four")
    round = pair_up(cohort, [participant, other_participant], [quinn, max_])
    return {"round": round, "quinn": quinn, "max": max_}


def write(cohort, user, win="Told my team about the reorg"):
    checkin, _created = services.submit_checkin(
        access=access(user, cohort),
        period_start=periods.current_period(periods.rhythm_for(cohort)).start,
        energy=3,
        win=win,
    )
    return checkin


def slots(round):
    return sorted(PartnerSlot.objects.filter(round=round).values_list("group_id", "membership_id"))


def swap_assignment(cohort, participant, other_participant, four):
    """Pat with Quinn, Robin with Max."""
    return {
        membership(participant, cohort).pk: 1,
        membership(four["quinn"], cohort).pk: 1,
        membership(other_participant, cohort).pk: 2,
        membership(four["max"], cohort).pk: 2,
    }


def test_groups_someone_checked_in_to_cannot_be_rearranged(
    cohort, facilitator, participant, other_participant, four
):
    """The edit is refused with a message that says to rotate; the groups and
    the check-in's readers stay as they were."""
    checkin = write(cohort, participant)
    before = slots(four["round"])
    readers = rules.checkin_reader_ids(checkin)
    with pytest.raises(DomainError) as refused:
        services.edit_partner_groups(
            access=access(facilitator, cohort),
            round=four["round"],
            assignment=swap_assignment(cohort, participant, other_participant, four),
        )
    assert refused.value.code == "in_use"
    assert "Rotate partners" in refused.value.message
    assert slots(four["round"]) == before
    checkin.refresh_from_db()
    assert checkin.partner_round_id == four["round"].pk
    assert rules.checkin_reader_ids(checkin) == readers
    assert other_participant.pk in readers and four["quinn"].pk not in readers


def test_groups_nobody_checked_in_to_can_still_be_rearranged(
    cohort, facilitator, participant, other_participant, four
):
    """Before the first check-in of a round its groups can be changed."""
    services.edit_partner_groups(
        access=access(facilitator, cohort),
        round=four["round"],
        assignment=swap_assignment(cohort, participant, other_participant, four),
    )
    partners = services.partners_of(membership(participant, cohort))
    assert [m.user for m in partners] == [four["quinn"]]


def test_the_partners_page_says_why_the_groups_are_fixed_and_refuses_the_form(
    cohort, facilitator, participant, other_participant, four
):
    """No rearranging form once someone checked in, but the reason and the
    way forward; a posted edit is refused (400) and changes nothing."""
    write(cohort, participant)
    client = Client()
    client.force_login(facilitator)
    url = reverse("goals:partners", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "Rearrange the groups" not in page
    assert "Check-ins were written to these groups" in page and "Rotate partners" in page
    before = slots(four["round"])
    assignment = swap_assignment(cohort, participant, other_participant, four)
    response = client.post(
        reverse("goals:partners_edit", args=[cohort.pk]),
        {f"member-{pk}": number for pk, number in assignment.items()},
    )
    assert response.status_code == 400
    assert "Check-ins were already written to these partner groups" in response.content.decode()
    assert slots(four["round"]) == before


def test_a_checkin_written_before_a_rotation_keeps_its_partners_on_every_page(
    cohort, facilitator, participant, other_participant, four
):
    """After a rotation, Pat's check-in is read and answered by Robin (the
    partner when it was written), not by Pat's new partner; an edit of it
    keeps those readers, and Pat's page names them."""
    checkin = write(cohort, participant)
    services.rotate_partners(access=access(facilitator, cohort), rng=random.Random(7))
    assert PartnerRound.objects.filter(cohort=cohort).count() == 2
    [new_partner] = [m.user for m in services.partners_of(membership(participant, cohort))]
    assert new_partner in (four["quinn"], four["max"])
    checkin = write(cohort, participant, win="Edited after the rotation")
    assert CheckIn.objects.get(pk=checkin.pk).partner_round_id == four["round"].pk

    robin, newcomer = Client(), Client()
    robin.force_login(other_participant)
    newcomer.force_login(new_partner)
    assert "Edited after the rotation" in robin.get(checkin.get_absolute_url()).content.decode()
    assert newcomer.get(checkin.get_absolute_url()).status_code == 404
    listed = newcomer.get(reverse("goals:checkins", args=[cohort.pk])).content.decode()
    assert "Edited after the rotation" not in listed
    reply_url = reverse("goals:checkin_reply", args=[cohort.pk, checkin.pk])
    assert newcomer.post(reply_url, {"body": "Hi!"}).status_code == 404
    assert robin.post(reply_url, {"body": "Proud of you"}).status_code == 302
    assert list(CheckInReply.objects.values_list("body", flat=True)) == ["Proud of you"]

    pat = Client()
    pat.force_login(participant)
    mine = pat.get(reverse("goals:checkins", args=[cohort.pk])).content.decode()
    readers_line = mine.split("Read by your partners and the facilitators:")[1].split("</p>")[0]
    assert "Robin Two" in readers_line and str(new_partner) not in readers_line
