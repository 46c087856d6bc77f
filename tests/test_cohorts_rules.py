"""Models and rules of enrollment: cohorts, memberships, leaders, notes, and
what each role is to a cohort (cohorts.permissions)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from cohorts import permissions, services
from cohorts.models import BackgroundNote, Cohort, Membership, OrganizationMembership
from lib.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 1)


# Models ----------------------------------------------------------------------------


def test_cohort_defaults_to_group_draft_of_ten(acme):
    cohort = Cohort.objects.create(
        organization=acme, name="C", starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=1)
    )
    assert (cohort.kind, cohort.status, cohort.capacity) == ("group", "draft", 10)
    assert str(cohort) == "C"
    assert cohort.get_absolute_url() == f"/cohorts/{cohort.pk}/"


def test_database_refuses_a_cohort_that_ends_before_it_starts(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cohort.objects.create(organization=acme, name="C", starts_on=TODAY, ends_on=TODAY)


def test_one_membership_per_person_and_cohort(cohort, participant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(cohort=cohort, user=participant, role="facilitator")


def test_participant_note_needs_its_cohort(acme, cohort, participant):
    membership = Membership.objects.get(user=participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        BackgroundNote.objects.create(organization=acme, participant=membership, body="x")


def test_note_subject_names_what_it_is_about(acme, cohort, participant):
    membership = Membership.objects.get(user=participant)
    assert factories.BackgroundNoteFactory(organization=acme).subject == "Acme"
    assert (
        factories.BackgroundNoteFactory(organization=acme, cohort=cohort).subject
        == "Leading Through Change"
    )
    note = factories.BackgroundNoteFactory(
        organization=acme, cohort=cohort, participant=membership
    )
    assert note.subject == "Pat One"


def test_string_forms_read_well(acme, cohort, hr_admin, participant):
    assert str(OrganizationMembership.objects.get(user=hr_admin)) == "Harper HR @ Acme (HR admin)"
    assert str(Membership.objects.get(user=participant)) == (
        "Pat One in Leading Through Change (Participant)"
    )


# Services ----------------------------------------------------------------------------


def test_create_cohort_refuses_a_window_that_ends_before_it_starts(acme):
    with pytest.raises(DomainError) as refused:
        services.create_cohort(organization=acme, name="C", starts_on=TODAY, ends_on=TODAY)
    assert refused.value.code == "bad_window"
    assert not Cohort.objects.exists()


def test_update_cohort_keeps_capacity_above_enrolled(
    cohort, participant, other_participant, settings
):
    settings.COHORT_CAPACITY = {"group": (1, 12), "team": (1, 50)}  # a seat below the two
    with pytest.raises(DomainError) as refused:
        services.update_cohort(cohort=cohort, capacity=1)
    assert refused.value.code == "capacity_below_enrolled"
    cohort.refresh_from_db()
    assert cohort.capacity == 10
    services.update_cohort(cohort=cohort, capacity=2, name="Renamed")
    cohort.refresh_from_db()
    assert (cohort.capacity, cohort.name) == (2, "Renamed")


def test_update_cohort_refuses_a_bad_window_and_unknown_fields(cohort):
    with pytest.raises(DomainError):
        services.update_cohort(cohort=cohort, ends_on=cohort.starts_on)
    with pytest.raises(TypeError):
        services.update_cohort(cohort=cohort, organization_id=99)
    cohort.refresh_from_db()
    assert cohort.ends_on > cohort.starts_on


def test_enroll_refuses_a_participant_past_capacity(cohort, participant, outsider, settings):
    settings.COHORT_CAPACITY = {"group": (1, 12), "team": (1, 50)}  # full with one
    services.update_cohort(cohort=cohort, capacity=1)
    with pytest.raises(DomainError) as refused:
        services.enroll(cohort=cohort, user=outsider, role="participant")
    assert refused.value.code == "cohort_full"
    assert "full" in refused.value.message
    assert not Membership.objects.filter(user=outsider).exists()
    # A facilitator takes no seat.
    services.enroll(cohort=cohort, user=outsider, role="facilitator")


def test_enroll_twice_updates_instead_of_duplicating(cohort, participant, leader):
    services.enroll(cohort=cohort, user=participant, role="participant")
    membership = Membership.objects.get(user=participant)
    assert membership.leader == leader  # kept when no leader is given


def test_set_leader_links_and_unlinks(cohort, participant, outsider, hr_admin):
    membership = Membership.objects.get(user=participant)
    services.set_leader(membership=membership, leader=outsider, changed_by=hr_admin)
    membership.refresh_from_db()
    assert membership.leader == outsider
    services.set_leader(membership=membership, leader=None, changed_by=hr_admin)
    membership.refresh_from_db()
    assert membership.leader is None


@pytest.mark.parametrize("who", ["self", "globex", "facilitator_membership"])
def test_set_leader_refusals_change_nothing(
    cohort, participant, leader, facilitator, globex_user, who
):
    membership = Membership.objects.get(user=participant)
    if who == "self":
        target, new_leader, code = membership, participant, "own_leader"
    elif who == "globex":
        target, new_leader, code = membership, globex_user, "leader_not_member"
    else:
        target, new_leader, code = (
            Membership.objects.get(user=facilitator),
            leader,
            "not_participant",
        )
    with pytest.raises(DomainError) as refused:
        services.set_leader(membership=target, leader=new_leader, changed_by=facilitator)
    assert refused.value.code == code
    membership.refresh_from_db()
    assert membership.leader == leader


def test_ensure_organization_member_never_demotes_an_hr_admin(acme, hr_admin):
    services.ensure_organization_member(organization_id=acme.pk, user=hr_admin)
    assert OrganizationMembership.objects.get(user=hr_admin).role == "hr_admin"


def test_background_note_services(acme, globex, cohort, participant, hr_admin):
    membership = Membership.objects.get(user=participant)
    note = services.add_background_note(
        organization=acme, author=hr_admin, body="  x  ", cohort=cohort, participant=membership
    )
    assert note.body == "x"
    services.update_background_note(note=note, body="y", changed_by=hr_admin)
    note.refresh_from_db()
    assert note.body == "y"
    with pytest.raises(DomainError):
        services.update_background_note(note=note, body="  ", changed_by=hr_admin)
    with pytest.raises(DomainError):
        services.add_background_note(organization=globex, author=hr_admin, body="z", cohort=cohort)
    with pytest.raises(DomainError):
        services.add_background_note(
            organization=acme, author=hr_admin, body="z", participant=membership
        )
    with pytest.raises(DomainError):
        services.add_background_note(organization=acme, author=hr_admin, body=" ")
    services.delete_background_note(note=note, deleted_by=hr_admin)
    assert not BackgroundNote.objects.exists()


# Permissions: what each role is to the cohort -------------------------------------------

CAPABILITIES = [
    "can_manage",
    "can_view_roster",
    "can_see_member_emails",
    "can_read_background",
    "can_write_background",
    "can_read_note_history",
    "can_administer_organization",
    "can_answer_leader_request",
]
# role: the capabilities it has (every other one is False), and how the
# cohort page names its place in the room.
ACCESS_TABLE = {
    "facilitator": (
        {
            "can_manage",
            "can_view_roster",
            "can_see_member_emails",
            "can_read_background",
            "can_write_background",
        },
        "a facilitator",
    ),
    "participant": ({"can_view_roster"}, "a participant"),
    "leader": (set(), ""),
    "hr_admin": (
        {
            "can_manage",
            "can_view_roster",
            "can_see_member_emails",
            "can_read_background",
            "can_write_background",
            "can_read_note_history",
            "can_administer_organization",
        },
        "",
    ),
}


@pytest.mark.parametrize("role", sorted(ACCESS_TABLE))
def test_access_cohort_says_what_each_role_may_do(request, cohort, participant, role):
    user = request.getfixturevalue(role)
    access = permissions.access_cohort(user, cohort.pk)
    allowed, place = ACCESS_TABLE[role]
    assert {name for name in CAPABILITIES if getattr(access, name)} == allowed
    assert access.role_in_room == place


def test_only_the_participant_answers_a_leader_named_by_someone_else(
    cohort, participant, other_participant, outsider, facilitator, hr_admin
):
    membership = Membership.objects.get(user=participant)
    services.set_leader(membership=membership, leader=outsider, changed_by=hr_admin)
    assert permissions.access_cohort(participant, cohort.pk).can_answer_leader_request
    for user in (other_participant, facilitator, hr_admin):
        assert not permissions.access_cohort(user, cohort.pk).can_answer_leader_request


def test_leaders_are_linked_to_participants_only_by_managers(
    cohort, facilitator, participant, hr_admin
):
    as_participant = permissions.access_cohort(participant, cohort.pk)
    for manager in (facilitator, hr_admin):
        access = permissions.access_cohort(manager, cohort.pk)
        assert access.can_link_leader_of(Membership.objects.get(user=participant))
        assert not access.can_link_leader_of(Membership.objects.get(user=facilitator))
    assert not as_participant.can_link_leader_of(Membership.objects.get(user=participant))


@pytest.mark.parametrize("role", ["outsider", "globex_user"])
def test_access_cohort_is_404_for_people_with_no_relation(request, cohort, role):
    user = request.getfixturevalue(role)
    with pytest.raises(Http404):
        permissions.access_cohort(user, cohort.pk)


def test_access_cohort_is_the_same_404_for_a_missing_or_malformed_id(
    facilitator, django_user_model
):
    from django.contrib.auth.models import AnonymousUser

    for cohort_id in (999999, "abc", None):
        with pytest.raises(Http404):
            permissions.access_cohort(facilitator, cohort_id)
    with pytest.raises(Http404):
        permissions.access_cohort(AnonymousUser(), 1)


def test_background_notes_for_a_cohort_leave_out_other_cohorts_and_organizations(
    acme, globex, cohort, hr_admin
):
    other_cohort = factories.CohortFactory(organization=acme)
    mine = [
        factories.BackgroundNoteFactory(organization=acme),
        factories.BackgroundNoteFactory(organization=acme, cohort=cohort),
    ]
    factories.BackgroundNoteFactory(organization=acme, cohort=other_cohort)
    factories.BackgroundNoteFactory(organization=globex)
    access = permissions.access_background(hr_admin, cohort.pk)
    assert set(permissions.background_notes_for_cohort(access)) == set(mine)


def test_organization_admin_access_is_for_its_hr_admins_only(acme, globex, hr_admin, globex_user):
    assert permissions.access_organization_admin(hr_admin, acme.pk) == acme
    for user, organization in ((hr_admin, globex), (globex_user, acme)):
        with pytest.raises(Http404):
            permissions.access_organization_admin(user, organization.pk)
