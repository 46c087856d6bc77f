"""A participant's leader is someone outside the room, and reads nothing until
the participant confirms them.

A leader is never a member of the cohort, an HR admin of the organization, or
the person naming them: refused by `set_leader`, the roster's form, an
invitation's or a CSV row's `leader_email`, and `enroll`. A leader linked by
HR or a facilitator waits for the participant's *Confirm*; the previous
leader loses the leader-only goals at once, in the event log too.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cohorts import bulk, invitation_acceptance, invitations, permissions, services
from cohorts.models import Invitation, Membership, OrganizationMembership
from goals import events, rules
from goals import services as goal_services
from goals.models import Goal
from lib.errors import DomainError
from realtime import streams
from tests import factories
from tests.goals_support import access, add_participant, membership

pytestmark = pytest.mark.django_db

NAMED = "Sam Else was named as your leader"


def link(user, cohort):
    """(leader id, confirmed at) of `user`'s membership: what refusals leave alone."""
    m = membership(user, cohort)
    return m.leader_id, m.leader_confirmed_at


def leader_goal(cohort, participant, title="Ask for the promotion"):
    """A goal the participant shares with their leader, written as they would."""
    return goal_services.draft_personal_goal(
        access=access(participant, cohort),
        owner=membership(participant, cohort),
        title=title,
        visibility=Goal.Visibility.LEADER,
    )


def other_hr_admin(acme):
    user = factories.UserFactory(email="hr2@acme.test", display_name="Hana HR")
    factories.OrganizationMembershipFactory(
        organization=acme, user=user, role=OrganizationMembership.Role.HR_ADMIN
    )
    return user


def logged_goal_ids(cohort, user) -> list[tuple[str, object]]:
    """(type, goal) of every cohort event the log would replay to `user` from 0."""
    who = streams.recipient(events.COHORT, cohort.pk, user_id=user.pk, is_facilitator=False)
    return [
        (frame["type"], frame.get("goal"))
        for frame in streams.events_for(events.COHORT, cohort.pk, who, after=0)
    ]


# The service -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "pick", "code"),
    [
        ("hr_admin", "facilitator", "leader_in_cohort"),
        ("hr_admin", "other_participant", "leader_in_cohort"),
        ("facilitator", "facilitator", "leader_is_you"),
        ("facilitator", "hr_admin", "leader_hr_admin"),
        ("hr_admin", "hr_admin", "leader_is_you"),
        ("hr_admin", "other_hr_admin", "leader_hr_admin"),
    ],
)
def test_set_leader_refuses_the_room_hr_and_oneself(
    request, cohort, acme, participant, other_participant, leader, actor, pick, code, mailoutbox
):
    users = {"other_hr_admin": other_hr_admin(acme) if pick == "other_hr_admin" else None}
    chosen = users.get(pick) or request.getfixturevalue(pick)
    before = link(participant, cohort)
    with pytest.raises(DomainError) as refused:
        services.set_leader(
            membership=membership(participant, cohort),
            leader=chosen,
            changed_by=request.getfixturevalue(actor),
        )
    assert refused.value.code == code
    assert link(participant, cohort) == before
    assert mailoutbox == []


def test_a_new_leader_reads_nothing_until_the_participant_confirms(
    cohort,
    participant,
    leader,
    outsider,
    hr_admin,
    facilitator,
    django_capture_on_commit_callbacks,
):
    goal = leader_goal(cohort, participant)
    with django_capture_on_commit_callbacks() as callbacks:
        services.set_leader(
            membership=membership(participant, cohort), leader=outsider, changed_by=hr_admin
        )
    assert link(participant, cohort) == (outsider.pk, None)
    goal.refresh_from_db()
    assert outsider.pk not in rules.goal_reader_ids(goal)
    assert leader.pk not in rules.goal_reader_ids(goal)
    with pytest.raises(Exception) as refused:
        permissions.access_cohort(outsider, cohort.pk)
    assert refused.typename == "Http404"
    assert not rules.can_record_alignment(access(facilitator, cohort), goal)
    assert callbacks, "the email waits for the commit"

    services.confirm_leader(membership=membership(participant, cohort), leader_id=outsider.pk)
    goal.refresh_from_db()
    assert outsider.pk in rules.goal_reader_ids(goal)
    assert list(rules.visible_goals(access(outsider, cohort))) == [goal]
    assert rules.can_record_alignment(access(outsider, cohort), goal)


def test_the_participant_is_emailed_after_commit(
    cohort, participant, outsider, hr_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_leader(
            membership=membership(participant, cohort), leader=outsider, changed_by=hr_admin
        )
        assert mailoutbox == []
    [mail] = mailoutbox
    assert mail.to == ["p1@acme.test"]
    assert mail.subject == "Sam Else was named as your leader in Leading Through Change"
    assert "Harper HR named Sam Else (someone@acme.test) as your leader" in mail.body
    assert "“Not my leader”" in mail.body
    assert reverse("cohorts:detail", args=[cohort.pk]) in mail.body

    with django_capture_on_commit_callbacks(execute=True):
        services.set_leader(
            membership=membership(participant, cohort), leader=None, changed_by=hr_admin
        )
    assert mailoutbox[-1].subject == "Your leader was unlinked in Leading Through Change"


def test_naming_the_same_leader_again_keeps_the_confirmation(
    cohort, participant, leader, hr_admin, mailoutbox, django_capture_on_commit_callbacks
):
    before = link(participant, cohort)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_leader(
            membership=membership(participant, cohort), leader=leader, changed_by=hr_admin
        )
    assert link(participant, cohort) == before and before[1] is not None
    assert mailoutbox == []


def test_the_previous_leader_loses_the_goals_in_the_event_log(
    cohort, participant, leader, outsider, hr_admin
):
    """What the log would replay to the old leader holds nothing of the goal
    but its removal; the facilitators' and the author's events stay."""
    goal = leader_goal(cohort, participant)
    assert ("goal.updated", goal.pk) in [
        (kind, item["id"]) for kind, item in logged_goal_ids(cohort, leader)
    ]
    services.set_leader(
        membership=membership(participant, cohort), leader=outsider, changed_by=hr_admin
    )
    assert logged_goal_ids(cohort, leader) == [("goal.removed", goal.pk)]
    assert logged_goal_ids(cohort, outsider) == []
    assert [kind for kind, _ in logged_goal_ids(cohort, participant)] == ["goal.updated"]


def test_a_refused_change_withdraws_nothing(cohort, participant, leader, facilitator, hr_admin):
    goal = leader_goal(cohort, participant)
    before = logged_goal_ids(cohort, leader)
    with pytest.raises(DomainError):
        services.set_leader(
            membership=membership(participant, cohort), leader=facilitator, changed_by=hr_admin
        )
    assert logged_goal_ids(cohort, leader) == before
    assert leader.pk in rules.goal_reader_ids(goal)


@pytest.mark.parametrize("confirmed", [True, False])
def test_enroll_refuses_a_leader_joining_the_cohort_of_the_person_they_lead(
    cohort, participant, leader, hr_admin, confirmed
):
    if not confirmed:
        Membership.objects.filter(user=participant).update(leader_confirmed_at=None)
    before = link(participant, cohort)
    for role in ("participant", "facilitator"):
        with pytest.raises(DomainError) as refused:
            services.enroll(cohort=cohort, user=leader, role=role, added_by=hr_admin)
        assert refused.value.code == "leads_participant"
        assert "Lee Leader is the leader of a participant" in refused.value.message
    assert not Membership.objects.filter(cohort=cohort, user=leader).exists()
    assert link(participant, cohort) == before


@pytest.mark.parametrize(
    ("pick", "code"),
    [
        ("facilitator", "leader_in_cohort"),
        ("other_participant", "leader_in_cohort"),
        ("hr_admin", "leader_hr_admin"),
        ("outsider", "leader_is_you"),
    ],
)
def test_enroll_refuses_a_leader_from_the_room_hr_or_the_inviter(
    request, cohort, facilitator, other_participant, hr_admin, outsider, pick, code
):
    newcomer = factories.UserFactory(email="new@acme.test")
    with pytest.raises(DomainError) as refused:
        services.enroll(
            cohort=cohort,
            user=newcomer,
            role="participant",
            leader=request.getfixturevalue(pick),
            added_by=outsider,
        )
    assert refused.value.code == code
    assert not Membership.objects.filter(user=newcomer).exists()


# The roster's form -------------------------------------------------------------


def leader_choices(client, user, cohort, participant) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("cohorts:roster", args=[cohort.pk]))
    [row] = [r for r in response.context["participants"] if r["membership"].user == participant]
    return {u.email for u in row["leader_form"].fields["leader"].queryset}


def test_the_roster_offers_only_people_outside_the_room(
    client, cohort, facilitator, participant, other_participant, leader, hr_admin, outsider
):
    assert leader_choices(client, hr_admin, cohort, participant) == {
        "lead1@acme.test",
        "someone@acme.test",
    }
    assert leader_choices(client, facilitator, cohort, participant) == {
        "lead1@acme.test",
        "someone@acme.test",
    }


@pytest.mark.parametrize(
    ("actor", "pick"),
    [
        ("hr_admin", "hr_admin"),
        ("hr_admin", "facilitator"),
        ("hr_admin", "other_participant"),
        ("facilitator", "facilitator"),
        ("facilitator", "hr_admin"),
        ("facilitator", "other_participant"),
    ],
)
def test_the_roster_refuses_a_peer_the_facilitator_hr_or_oneself(
    request, client, cohort, participant, leader, other_participant, actor, pick, mailoutbox
):
    before = link(participant, cohort)
    client.force_login(request.getfixturevalue(actor))
    m = membership(participant, cohort)
    response = client.post(
        reverse("cohorts:set_leader", args=[cohort.pk, m.pk]),
        {f"m{m.pk}-leader": request.getfixturevalue(pick).pk},
        follow=True,
    )
    assert "someone outside this cohort, not an HR admin and not yourself" in (
        response.content.decode()
    )
    assert link(participant, cohort) == before
    assert mailoutbox == []


@pytest.mark.parametrize("actor", ["hr_admin", "facilitator"])
def test_the_roster_names_a_leader_who_awaits_confirmation(
    request, client, cohort, participant, outsider, actor, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(actor))
    m = membership(participant, cohort)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("cohorts:set_leader", args=[cohort.pk, m.pk]),
            {f"m{m.pk}-leader": outsider.pk},
            follow=True,
        )
    text = response.content.decode()
    assert "Pat One is asked to confirm it" in text
    assert "Sam Else, awaiting the participant's confirmation." in text
    assert link(participant, cohort) == (outsider.pk, None)
    assert len(callbacks) == 1


# Invitations and CSV rows ------------------------------------------------------


@pytest.mark.parametrize(
    ("leader_email", "code"),
    [
        ("hr@acme.test", "leader_is_you"),
        ("coach@acme.test", "leader_in_cohort"),
        ("p2@acme.test", "leader_in_cohort"),
        ("hr2@acme.test", "leader_hr_admin"),
        ("invited@acme.test", "leader_in_cohort"),
    ],
)
def test_an_invitation_cannot_name_the_room_hr_or_the_inviter_as_leader(
    client, cohort, acme, facilitator, other_participant, hr_admin, leader_email, code
):
    other_hr_admin(acme)
    factories.InvitationFactory(cohort=cohort, email="invited@acme.test", role="participant")
    before = set(Invitation.objects.values_list("pk", flat=True))
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invite", args=[cohort.pk]),
        {"email": "new@acme.test", "role": "participant", "leader_email": leader_email},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["leader_email"]
    assert set(Invitation.objects.values_list("pk", flat=True)) == before
    with pytest.raises(DomainError) as refused:
        invitations.check_can_invite(
            cohort=cohort,
            email="new@acme.test",
            role="participant",
            leader_email=leader_email,
            invited_by=hr_admin,
        )
    assert refused.value.code == code


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_the_leader_of_a_participant_cannot_be_invited_into_the_cohort(
    client, cohort, participant, leader, facilitator, role
):
    factories.InvitationFactory(
        cohort=cohort, email="p7@acme.test", leader_email="named@acme.test"
    )
    before = set(Invitation.objects.values_list("pk", flat=True))
    client.force_login(facilitator)
    for email in ("lead1@acme.test", "named@acme.test"):
        response = client.post(
            reverse("cohorts:invite", args=[cohort.pk]), {"email": email, "role": role}
        )
        assert (
            "a leader cannot join the cohort of the person they lead"
            in (response.context["form"].errors["email"][0])
        )
    assert set(Invitation.objects.values_list("pk", flat=True)) == before


def test_csv_rows_follow_the_leader_rules(cohort, participant, leader, facilitator, hr_admin):
    report = bulk.bulk_invite(
        cohort=cohort,
        text=(
            "email,name,role,leader_email\n"
            "n1@acme.test,,participant,p1@acme.test\n"
            "n2@acme.test,,participant,hr@acme.test\n"
            "n3@acme.test,,participant,n4@acme.test\n"
            "n4@acme.test,,participant,\n"
            "lead1@acme.test,,participant,\n"
            "n5@acme.test,,participant,lead1@acme.test\n"
        ),
        invited_by=facilitator,
    )
    errors = {row.email: row.error for row in report.rows}
    assert "in this cohort or invited to it" in errors["n1@acme.test"]
    assert "an HR admin cannot be a participant's leader" in errors["n2@acme.test"]
    assert "in this cohort or invited to it" in errors["n3@acme.test"]
    assert "cannot join the cohort of the person they lead" in errors["lead1@acme.test"]
    assert errors["n4@acme.test"] == errors["n5@acme.test"] == ""
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "n4@acme.test",
        "n5@acme.test",
    ]


def test_a_csv_row_naming_its_own_sender_as_leader_is_refused(cohort, hr_admin, leader):
    report = bulk.bulk_invite(
        cohort=cohort, text="n1@acme.test,,participant,hr@acme.test\n", invited_by=hr_admin
    )
    assert report.rows[0].error.startswith("You cannot name yourself")
    assert not Invitation.objects.exists()


def test_accepting_an_invitation_that_names_the_leader_confirms_it(
    cohort, hr_admin, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            cohort=cohort,
            email="new@acme.test",
            role="participant",
            invited_by=hr_admin,
            leader_email=outsider.email,
        )
    newcomer = factories.UserFactory(email="new@acme.test")
    invitation_acceptance.accept_invitation(invitation=invitation, user=newcomer)
    m = membership(newcomer, cohort)
    assert m.leader == outsider and m.leader_is_confirmed and m.added_by == hr_admin


def test_a_named_leader_who_joined_the_cohort_since_is_not_linked(cohort, hr_admin, outsider):
    invitation = factories.InvitationFactory(
        cohort=cohort, email="new@acme.test", leader_email=outsider.email, invited_by=hr_admin
    )
    services.enroll(cohort=cohort, user=outsider, role="facilitator", added_by=hr_admin)
    newcomer = factories.UserFactory(email="new@acme.test")
    invitation_acceptance.accept_invitation(invitation=invitation, user=newcomer)
    assert link(newcomer, cohort) == (None, None)


def test_a_leader_invitation_links_no_participant_of_a_cohort_the_leader_is_in(
    acme, cohort, hr_admin
):
    """Named by a participant's accepted invitation, then in that cohort
    themselves: accepting a leader invitation from another cohort links no one there."""
    elsewhere = factories.CohortFactory(organization=acme, name="Elsewhere")
    person = add_participant(cohort, "both@acme.test", "Bo Both")
    report = add_participant(cohort, "report@acme.test", "Rae Report")
    factories.InvitationFactory(
        cohort=cohort,
        email=report.email,
        leader_email=person.email,
        accepted_by=report,
        invited_by=hr_admin,
    )
    invitation = factories.InvitationFactory(
        cohort=elsewhere, email=person.email, role="leader", invited_by=hr_admin
    )
    invitation_acceptance.accept_invitation(invitation=invitation, user=person)
    assert link(report, cohort) == (None, None)


# Confirm and decline -----------------------------------------------------------


@pytest.fixture
def renamed(cohort, participant, outsider, hr_admin):
    """HR has just named Sam Else (outsider) as Pat's leader, in place of Lee."""
    return services.set_leader(
        membership=membership(participant, cohort), leader=outsider, changed_by=hr_admin
    )


def test_the_participant_is_asked_on_the_cohort_page_and_home_page(
    client, cohort, participant, other_participant, renamed
):
    client.force_login(participant)
    for url in (reverse("cohorts:detail", args=[cohort.pk]), reverse("cohorts:home")):
        text = client.get(url).content.decode()
        assert NAMED in text
        assert reverse("cohorts:leader_confirm", args=[cohort.pk, renamed.pk]) in text
        assert ">Confirm<" in text and ">Not my leader<" in text
    client.force_login(other_participant)
    assert NAMED not in client.get(reverse("cohorts:detail", args=[cohort.pk])).content.decode()


def test_confirming_lets_the_leader_read_the_goals(client, cohort, participant, outsider, renamed):
    goal = leader_goal(cohort, participant)
    url = reverse("goals:detail", args=[cohort.pk, goal.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    home = client.get(reverse("cohorts:home")).content.decode()
    assert "Pat One · Leading Through Change" in home and "awaiting their confirmation" in home
    assert "Ask for the promotion" not in home

    client.force_login(participant)
    response = client.post(
        reverse("cohorts:leader_confirm", args=[cohort.pk, renamed.pk]),
        {"leader": outsider.pk},
        follow=True,
    )
    assert "Sam Else is confirmed as your leader." in response.content.decode()
    assert NAMED not in response.content.decode()
    assert membership(participant, cohort).leader_is_confirmed

    client.force_login(outsider)
    assert client.get(url).status_code == 200


def test_not_my_leader_unlinks(client, cohort, participant, renamed):
    client.force_login(participant)
    response = client.post(
        reverse("cohorts:leader_decline", args=[cohort.pk, renamed.pk]),
        {"leader": renamed.leader_id},
        follow=True,
    )
    assert "you have no leader linked" in response.content.decode()
    assert link(participant, cohort) == (None, None)


@pytest.mark.parametrize(
    "who", ["facilitator", "hr_admin", "other_participant", "outsider", "leader", "globex_user"]
)
@pytest.mark.parametrize("answer", ["leader_confirm", "leader_decline"])
def test_only_the_participant_answers_for_themselves(
    request, client, cohort, participant, facilitator, other_participant, renamed, who, answer
):
    before = link(participant, cohort)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse(f"cohorts:{answer}", args=[cohort.pk, renamed.pk]), {"leader": renamed.leader_id}
    )
    assert response.status_code == 404
    assert link(participant, cohort) == before


@pytest.mark.parametrize("answer", ["leader_confirm", "leader_decline"])
def test_an_answer_about_a_leader_replaced_since_is_refused(
    client, cohort, participant, leader, renamed, answer
):
    """The page showed Lee; HR named Sam meanwhile: the answer does not apply to Sam."""
    before = link(participant, cohort)
    client.force_login(participant)
    response = client.post(
        reverse(f"cohorts:{answer}", args=[cohort.pk, renamed.pk]),
        {"leader": leader.pk},
        follow=True,
    )
    assert "Your leader was changed meanwhile" in response.content.decode()
    assert link(participant, cohort) == before
