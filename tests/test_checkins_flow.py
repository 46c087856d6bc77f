"""Check-ins: the form tied to goals, editing, replies, and partners by round."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from goals import periods, services
from goals.models import CheckIn, CheckInReply, Goal, Milestone, ProgressUpdate
from lib.errors import DomainError
from tests.goals_support import (
    access,
    add_participant,
    checkin,
    pair_up,
    personal_goal,
    shared_goal,
)

pytestmark = pytest.mark.django_db


def open_period(cohort):
    return periods.current_period(periods.rhythm_for(cohort)).start


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_checkin_records_progress_on_goals_and_ticks_a_milestone(cohort, participant):
    goal = personal_goal(cohort, participant)
    milestone = Milestone.objects.create(goal=goal, position=1, title="Brief Anna")
    team = shared_goal(cohort)
    entry, created = services.submit_checkin(
        access=access(participant, cohort),
        period_start=open_period(cohort),
        energy=4,
        win="Anna ran the meeting",
        progress=[
            services.GoalProgressEntry(goal_id=goal.pk, value=40, milestone_id=milestone.pk),
            services.GoalProgressEntry(goal_id=team.pk, value=15),
        ],
    )
    assert created
    rows = set(entry.progress.values_list("goal_id", "value", "milestone_id"))
    assert rows == {(goal.pk, 40, None), (goal.pk, None, milestone.pk), (team.pk, 15, None)}
    milestone.refresh_from_db()
    assert milestone.done


def test_resubmitting_replaces_the_figures_instead_of_adding_more(cohort, participant):
    goal = personal_goal(cohort, participant)
    who = access(participant, cohort)
    for value in (30, 45):
        services.submit_checkin(
            access=who,
            period_start=open_period(cohort),
            energy=3,
            progress=[services.GoalProgressEntry(goal_id=goal.pk, value=value)],
        )
    assert CheckIn.objects.count() == 1
    assert list(ProgressUpdate.objects.values_list("value", flat=True)) == [45]


def test_progress_on_someone_elses_goal_is_refused_and_nothing_is_stored(
    cohort, participant, other_participant
):
    theirs = personal_goal(cohort, other_participant, visibility=Goal.Visibility.COHORT)
    with pytest.raises(DomainError):
        services.submit_checkin(
            access=access(participant, cohort),
            period_start=open_period(cohort),
            energy=3,
            progress=[services.GoalProgressEntry(goal_id=theirs.pk, value=90)],
        )
    assert not CheckIn.objects.exists() and not ProgressUpdate.objects.exists()


def test_a_draft_goal_is_not_reported_on(cohort, participant):
    personal_goal(cohort, participant, status=Goal.Status.DRAFT, title="Still a draft")
    assert not services.checkin_goals(access(participant, cohort)).exists()


def test_energy_is_from_1_to_5_and_facilitators_do_not_check_in(cohort, participant, facilitator):
    with pytest.raises(DomainError):
        services.submit_checkin(
            access=access(participant, cohort), period_start=open_period(cohort), energy=6
        )
    with pytest.raises(DomainError):
        services.submit_checkin(
            access=access(facilitator, cohort), period_start=open_period(cohort), energy=3
        )
    assert not CheckIn.objects.exists()


def test_partners_and_facilitators_reply_a_resend_is_not_stored_twice(
    cohort, participant, other_participant, facilitator
):
    third = add_participant(cohort, "p3@acme.test", "Quinn Three")
    round = pair_up(cohort, [participant, other_participant])
    entry = checkin(
        cohort, participant, period_start=open_period(cohort), round=round, shared=True
    )
    client_id = uuid.uuid4()
    first, created = services.reply_to_checkin(
        access=access(other_participant, cohort), checkin=entry, body="Nice!", client_id=client_id
    )
    again, created_again = services.reply_to_checkin(
        access=access(other_participant, cohort), checkin=entry, body="Nice!", client_id=client_id
    )
    assert created and not created_again and first.pk == again.pk
    services.reply_to_checkin(access=access(facilitator, cohort), checkin=entry, body="Well done")
    with pytest.raises(DomainError):  # can read a shared check-in, but is not a partner
        services.reply_to_checkin(access=access(third, cohort), checkin=entry, body="Hi")
    with pytest.raises(DomainError):
        services.reply_to_checkin(access=access(facilitator, cohort), checkin=entry, body="  ")
    assert CheckInReply.objects.count() == 2


def test_partners_of_a_checkin_are_those_of_its_round(
    cohort, participant, other_participant, facilitator
):
    third = add_participant(cohort, "p3@acme.test", "Quinn Three")
    fourth = add_participant(cohort, "p4@acme.test", "Max Four")
    old = pair_up(cohort, [participant, other_participant], [third, fourth])
    earlier = checkin(cohort, participant, period_start=open_period(cohort), round=old)
    pair_up(cohort, [participant, third], [other_participant, fourth])
    from goals.rules import visible_checkins

    assert earlier in visible_checkins(access(other_participant, cohort))
    assert earlier not in visible_checkins(access(third, cohort))


def test_the_checkin_page_submits_and_edits(cohort, participant):
    goal = personal_goal(cohort, participant, title="Delegate more")
    client = client_for(participant)
    url = reverse("goals:checkins", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "Progress on “Delegate more” (0 to 100)" in page
    data = {
        "period_start": open_period(cohort).isoformat(),
        "win": "Said no to a meeting",
        "challenge": "",
        "ask": "Tips on saying no kindly?",
        "energy": "4",
        f"goal-{goal.pk}-value": "20",
    }
    response = client.post(reverse("goals:checkin_submit", args=[cohort.pk]), data)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Update check-in" in page and "Said no to a meeting" in page
    client.post(reverse("goals:checkin_submit", args=[cohort.pk]), {**data, "energy": "2"})
    assert CheckIn.objects.get().energy == 2


def test_the_page_refuses_a_closed_period_and_keeps_the_text(cohort, participant):
    client = client_for(participant)
    stale = periods.Period(start=open_period(cohort), days=7).previous_start
    response = client.post(
        reverse("goals:checkin_submit", args=[cohort.pk]),
        {"period_start": stale.isoformat(), "win": "Typed on Sunday", "energy": "3"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "is closed" in body and "Typed on Sunday" in body
    assert not CheckIn.objects.exists()


def test_the_checkin_page_replies_in_the_thread(cohort, participant, other_participant):
    round = pair_up(cohort, [participant, other_participant])
    entry = checkin(cohort, participant, period_start=open_period(cohort), round=round)
    client = client_for(other_participant)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Shipped the plan" in page
    response = client.post(
        reverse("goals:checkin_reply", args=[cohort.pk, entry.pk]), {"body": "Proud of you"}
    )
    assert response.status_code == 302
    assert CheckInReply.objects.get().body == "Proud of you"
    empty = client.post(reverse("goals:checkin_reply", args=[cohort.pk, entry.pk]), {"body": ""})
    assert empty.status_code == 400
    assert CheckInReply.objects.count() == 1


def test_a_reply_resent_as_a_page_form_with_its_client_id_is_stored_once(
    cohort, participant, other_participant
):
    """The socket may have stored the reply just before it dropped."""
    round = pair_up(cohort, [participant, other_participant])
    entry = checkin(cohort, participant, period_start=open_period(cohort), round=round)
    client = client_for(other_participant)
    url = reverse("goals:checkin_reply", args=[cohort.pk, entry.pk])
    data = {"body": "Proud of you", "client_id": "6f1c1d6e-54a4-4f0e-9b8e-3d2a1c0b9a87"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert CheckInReply.objects.count() == 1
    bad = client.post(url, {"body": "Again", "client_id": "not-a-uuid"})
    assert bad.status_code == 400
    assert CheckInReply.objects.count() == 1


def test_past_periods_are_browsable(cohort, participant):
    current = open_period(cohort)
    earlier = periods.Period(start=current, days=7).previous_start
    checkin(cohort, participant, period_start=earlier, win="Last week's win")
    client = client_for(participant)
    url = reverse("goals:checkins", args=[cohort.pk])
    assert "Last week&#x27;s win" not in client.get(url).content.decode()
    page = client.get(url, {"period": earlier.isoformat()}).content.decode()
    assert "Last week&#x27;s win" in page
    assert client.get(url, {"period": "not-a-date"}).status_code == 200
