"""Accountability partners: random pairs and triads, rotation without recent
repeats, editing and history."""

import random
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from goals import partners, services
from goals.models import PartnerRound, PartnerSlot
from lib.errors import DomainError
from tests.goals_support import access, add_participant, membership, pair_up


@pytest.mark.parametrize("count", [2, 3, 4, 5, 6, 7, 9, 10, 11])
def test_every_participant_is_placed_once_in_a_pair_or_one_triad(count):
    ids = list(range(1, count + 1))
    groups = partners.split(ids, rng=random.Random(count))
    placed = [member for group in groups for member in group]
    assert sorted(placed) == ids
    sizes = Counter(len(group) for group in groups)
    assert set(sizes) <= {2, 3}
    assert sizes[3] == count % 2


def test_one_or_no_participant():
    assert partners.split([7]) == [[7]]
    assert partners.split([]) == []


def test_a_rotation_avoids_the_pairs_of_recent_rounds_when_it_can():
    ids = [1, 2, 3, 4]
    history = [[[1, 2], [3, 4]], [[1, 3], [2, 4]]]  # newest first
    for seed in range(20):
        groups = partners.split(ids, history=history, rng=random.Random(seed))
        assert partners.pairs_of(groups) == {frozenset({1, 4}), frozenset({2, 3})}


def test_when_a_repeat_is_unavoidable_the_oldest_pair_is_repeated():
    ids = [1, 2, 3, 4]
    history = [[[1, 4], [2, 3]], [[1, 3], [2, 4]], [[1, 2], [3, 4]]]
    for seed in range(20):
        groups = partners.split(ids, history=history, rng=random.Random(seed))
        assert partners.pairs_of(groups) == {frozenset({1, 2}), frozenset({3, 4})}


def test_repeat_cost_weighs_recent_rounds_more():
    history = [[[1, 2]], [[3, 4]]]
    assert partners.repeat_cost([[1, 2]], history) == 2
    assert partners.repeat_cost([[3, 4]], history) == 1
    assert partners.repeat_cost([[1, 3]], history) == 0


@pytest.fixture
def six(cohort, participant, other_participant):
    """Six participants in the cohort."""
    for n in (3, 4, 5, 6):
        add_participant(cohort, f"p{n}@acme.test", f"Person {n}")
    return cohort


@pytest.mark.django_db
def test_rotating_keeps_history_and_places_everyone(six, facilitator):
    who = access(facilitator, six)
    first = services.rotate_partners(access=who, rng=random.Random(1))
    second = services.rotate_partners(access=who, rng=random.Random(2))
    assert PartnerRound.objects.filter(cohort=six).count() == 2
    assert services.current_round(six) == second
    for round in (first, second):
        assert PartnerSlot.objects.filter(round=round).count() == 6
        assert sorted(len(g) for g in services.round_groups(round)) == [2, 2, 2]
    pairs = [
        partners.pairs_of([[m.pk for m in g] for g in services.round_groups(r)])
        for r in (first, second)
    ]
    assert not pairs[0] & pairs[1]  # six people leave room for no repeat


@pytest.mark.django_db
def test_only_facilitators_rotate_and_two_participants_are_needed(
    cohort, facilitator, participant
):
    with pytest.raises(DomainError):
        services.rotate_partners(access=access(participant, cohort))
    with pytest.raises(DomainError) as error:
        services.rotate_partners(access=access(facilitator, cohort))
    assert "at least two" in error.value.message
    assert not PartnerRound.objects.exists()


@pytest.mark.django_db
def test_editing_the_groups_in_force(six, facilitator, participant, other_participant):
    who = access(facilitator, six)
    round = services.rotate_partners(access=who, rng=random.Random(3))
    members = list(six.memberships.filter(role="participant").order_by("pk"))
    assignment = {m.pk: (1 if i < 2 else 2) for i, m in enumerate(members)}
    services.edit_partner_groups(access=who, round=round, assignment=assignment)
    groups = services.round_groups(round)
    assert [sorted(m.pk for m in g) for g in groups] == [
        sorted(m.pk for m in members[:2]),
        sorted(m.pk for m in members[2:]),
    ]


@pytest.mark.django_db
def test_a_bad_edit_is_refused_and_nothing_changes(six, facilitator):
    who = access(facilitator, six)
    round = services.rotate_partners(access=who, rng=random.Random(4))
    before = sorted(PartnerSlot.objects.filter(round=round).values_list("group_id", "membership"))
    members = list(six.memberships.filter(role="participant").order_by("pk"))
    alone = {m.pk: (1 if i < 5 else 2) for i, m in enumerate(members)}
    missing = {m.pk: 1 for m in members[:5]}
    for assignment in (alone, missing):
        with pytest.raises(DomainError):
            services.edit_partner_groups(access=who, round=round, assignment=assignment)
    after = sorted(PartnerSlot.objects.filter(round=round).values_list("group_id", "membership"))
    assert before == after


@pytest.mark.django_db
def test_an_older_round_cannot_be_edited(six, facilitator):
    who = access(facilitator, six)
    old = services.rotate_partners(access=who, rng=random.Random(5))
    services.rotate_partners(access=who, rng=random.Random(6))
    members = six.memberships.filter(role="participant")
    with pytest.raises(DomainError):
        services.edit_partner_groups(access=who, round=old, assignment={m.pk: 1 for m in members})


@pytest.mark.django_db
def test_partner_pages(cohort, facilitator, participant, other_participant, leader):
    third = add_participant(cohort, "p3@acme.test", "Quinn Three")
    fourth = add_participant(cohort, "p4@acme.test", "Max Four")
    pair_up(cohort, [participant, other_participant], [third, fourth])
    assert [m.user for m in services.partners_of(membership(participant, cohort))] == [
        other_participant
    ]

    client = Client()
    client.force_login(participant)
    page = client.get(reverse("goals:partners", args=[cohort.pk])).content.decode()
    assert "Robin Two" in page and "Quinn Three" not in page

    client.force_login(facilitator)
    page = client.get(reverse("goals:partners", args=[cohort.pk])).content.decode()
    assert "Quinn Three" in page and "Rearrange the groups" in page
    response = client.post(reverse("goals:partners_rotate", args=[cohort.pk]))
    assert response.status_code == 302
    page = client.get(reverse("goals:partners", args=[cohort.pk])).content.decode()
    assert "Earlier pairings" in page

    client.force_login(leader)
    assert client.get(reverse("goals:partners", args=[cohort.pk])).status_code == 404
    assert client.post(reverse("goals:partners_rotate", args=[cohort.pk])).status_code == 404
    assert PartnerRound.objects.count() == 2


@pytest.mark.django_db
def test_the_edit_form_saves_groups_and_refuses_a_singleton(
    cohort, facilitator, participant, other_participant
):
    third = add_participant(cohort, "p3@acme.test", "Quinn Three")
    fourth = add_participant(cohort, "p4@acme.test", "Max Four")
    round = pair_up(cohort, [participant, other_participant], [third, fourth])
    ids = [membership(u, cohort).pk for u in (participant, other_participant, third, fourth)]
    client = Client()
    client.force_login(facilitator)
    url = reverse("goals:partners_edit", args=[cohort.pk])
    bad = client.post(
        url,
        {
            f"member-{ids[0]}": 1,
            f"member-{ids[1]}": 2,
            f"member-{ids[2]}": 2,
            f"member-{ids[3]}": 2,
        },
    )
    assert bad.status_code == 400
    assert "at least two people" in bad.content.decode()
    good = client.post(
        url,
        {
            f"member-{ids[0]}": 1,
            f"member-{ids[1]}": 2,
            f"member-{ids[2]}": 1,
            f"member-{ids[3]}": 2,
        },
    )
    assert good.status_code == 302
    groups = [sorted(m.pk for m in g) for g in services.round_groups(round)]
    assert groups == [sorted([ids[0], ids[2]]), sorted([ids[1], ids[3]])]
