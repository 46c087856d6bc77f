"""The audit trail: who changed roles, leaders, partners, goal visibility,
background notes, invitations and settings, and when; never anyone's words;
read by the organization's HR admins only, and changed by no one."""

import datetime
import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import registry
from cohorts import invitation_acceptance, invitations
from cohorts import services as cohort_services
from cohorts.models import (
    BackgroundNote,
    Cohort,
    Invitation,
    Membership,
    OrganizationMembership,
)
from goals import services as goal_services
from goals.models import Goal, PartnerGroup, PartnerRound, PartnerSlot
from tests import factories
from tests.board_helpers import live_session, post
from tests.goals_support import access, checkin, membership, pair_up, personal_goal

pytestmark = pytest.mark.django_db


def entries_of(model):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


def last_entry(model) -> LogEntry:
    return entries_of(model).latest("pk")


def changes_url(organization) -> str:
    return reverse("audit:organization_changes", args=[organization.pk])


# Each audited change: one entry, its fields, its actor ------------------------


def test_a_leader_set_on_the_roster_is_recorded_with_who_set_it(
    client, cohort, hr_admin, participant, outsider
):
    member = membership(participant, cohort)
    before = entries_of(Membership).count()
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:set_leader", args=[cohort.pk, member.pk]),
        {f"m{member.pk}-leader": outsider.pk},
    )
    assert response.status_code == 302
    assert entries_of(Membership).count() == before + 1
    entry = last_entry(Membership)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == hr_admin
    assert entry.object_pk == str(member.pk)
    assert entry.changes["leader"][1] == str(outsider.pk)
    assert entry.additional_data["organization_id"] == cohort.organization_id


def test_goal_visibility_is_recorded_and_nothing_else_of_the_goal(client, cohort, participant):
    goal = personal_goal(cohort, participant)
    before = entries_of(Goal).count()
    client.force_login(participant)
    response = client.post(
        reverse("goals:visibility", args=[cohort.pk, goal.pk]),
        {"visibility": Goal.Visibility.COHORT},
    )
    assert response.status_code == 302
    assert entries_of(Goal).count() == before + 1
    entry = last_entry(Goal)
    assert entry.actor == participant
    assert entry.changes == {"visibility": [Goal.Visibility.PRIVATE, Goal.Visibility.COHORT]}


def test_a_goal_edit_of_its_words_alone_makes_no_entry(cohort, participant):
    goal = personal_goal(cohort, participant)
    before = entries_of(Goal).count()
    goal_services.edit_goal(
        access=access(participant, cohort), goal=goal, title="Coach my team weekly"
    )
    assert entries_of(Goal).count() == before


def test_a_background_note_edit_is_recorded_without_its_text(client, acme, hr_admin):
    note = factories.BackgroundNoteFactory(organization=acme, body="First words.")
    before = entries_of(BackgroundNote).count()
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:organization_note_edit", args=[acme.pk, note.pk]),
        {"body": "Second words."},
    )
    assert response.status_code == 302
    assert entries_of(BackgroundNote).count() == before + 1
    entry = last_entry(BackgroundNote)
    assert entry.actor == hr_admin
    assert entry.changes == {"body": [registry.WITHHELD, registry.WITHHELD]}
    assert "words" not in trail_text(entry)


def allow_resend(invitation):
    """Sent a while ago, so the resend throttle lets it go (no entry: update())."""
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=5)
    )


def test_invitations_are_recorded_when_created_resent_revoked_and_accepted(cohort, facilitator):
    invitation = invitations.invite(
        cohort=cohort, email="new@acme.test", role="participant", invited_by=facilitator
    )
    created = last_entry(Invitation)
    assert created.action == LogEntry.Action.CREATE
    assert created.changes["email"] == ["None", "new@acme.test"]

    allow_resend(invitation)
    invitations.resend_invitation(invitation=invitation)
    resent = last_entry(Invitation)
    assert resent.action == LogEntry.Action.UPDATE
    assert set(resent.changes) == {"sent_at", "expires_at", "send_count"}

    invitations.revoke_invitation(invitation=invitation)
    assert set(last_entry(Invitation).changes) == {"revoked_at"}

    other = invitations.invite(
        cohort=cohort, email="joiner@acme.test", role="participant", invited_by=facilitator
    )
    joiner = factories.UserFactory(email="joiner@acme.test")
    invitation_acceptance.accept_invitation(invitation=other, user=joiner)
    accepted = last_entry(Invitation)
    assert {"accepted_at", "accepted_by"} <= set(accepted.changes)
    assert accepted.changes["accepted_by"][1] == str(joiner.pk)
    assert entries_of(Invitation).filter(action=LogEntry.Action.UPDATE).count() == 3


def test_no_entry_holds_an_invitation_token_hash(cohort, facilitator):
    invitation = invitations.invite(
        cohort=cohort, email="new@acme.test", role="participant", invited_by=facilitator
    )
    first_hash = Invitation.objects.get(pk=invitation.pk).token_hash
    allow_resend(invitation)
    invitations.resend_invitation(invitation=invitation)
    second_hash = Invitation.objects.get(pk=invitation.pk).token_hash
    stored = json.dumps([trail_text(entry) for entry in LogEntry.objects.all()])
    assert first_hash not in stored
    assert second_hash not in stored


def test_cohort_settings_and_status_are_recorded(cohort):
    before = entries_of(Cohort).count()
    cohort_services.update_cohort(cohort=cohort, name="Leading Through Growth", capacity=12)
    entry = last_entry(Cohort)
    assert entry.changes["name"] == ["Leading Through Change", "Leading Through Growth"]
    assert entry.changes["capacity"][1] == "12"
    cohort_services.change_status(
        cohort=Cohort.objects.get(pk=cohort.pk), shown=cohort.status, target="completed"
    )
    assert last_entry(Cohort).changes["status"][1] == "completed"
    assert entries_of(Cohort).count() == before + 2


def test_roles_and_leader_confirmation_are_recorded(acme, cohort, participant, outsider):
    outsider_leader = factories.UserFactory(email="boss@acme.test")
    factories.OrganizationMembershipFactory(organization=acme, user=outsider_leader)
    cohort_services.ensure_organization_member(
        organization_id=acme.pk, user=outsider, role=OrganizationMembership.Role.HR_ADMIN
    )
    entry = last_entry(OrganizationMembership)
    assert entry.changes == {"role": ["member", "hr_admin"]}

    member = membership(participant, cohort)
    cohort_services.set_leader(membership=member, leader=outsider_leader, changed_by=None)
    assert set(last_entry(Membership).changes) == {"leader", "leader_confirmed_at"}
    cohort_services.confirm_leader(membership=member, leader_id=outsider_leader.pk)
    assert set(last_entry(Membership).changes) == {"leader_confirmed_at"}


def test_partner_groups_are_recorded(cohort, facilitator, participant, other_participant):
    pair_up(cohort, [participant, other_participant], created_by=facilitator)
    assert entries_of(PartnerRound).count() == 1
    assert entries_of(PartnerGroup).count() == 1
    assert entries_of(PartnerSlot).count() == 2
    assert last_entry(PartnerSlot).additional_data["organization_id"] == cohort.organization_id


def test_changes_outside_a_request_have_no_actor(cohort):
    cohort_services.update_cohort(cohort=cohort, capacity=11)
    assert last_entry(Cohort).actor is None


# No one's words ---------------------------------------------------------------


def trail_text(entry: LogEntry) -> str:
    """Everything an entry stores that could carry text."""
    return json.dumps(
        [
            entry.changes,
            entry.changes_text,
            entry.object_repr,
            entry.serialized_data,
            entry.additional_data,
        ]
    )


def test_no_entry_stores_a_persons_words(
    client, acme, cohort, hr_admin, facilitator, participant, other_participant
):
    markers = [f"MARKER-{n}-zq" for n in range(12)]
    # Goals: written, edited, made visible, progressed.
    goal = personal_goal(
        cohort, participant, title=markers[0], why=markers[1], success_measure=markers[2]
    )
    goal_services.edit_goal(
        access=access(participant, cohort), goal=goal, title=markers[3], why=markers[4]
    )
    goal_services.set_goal_visibility(
        access=access(participant, cohort), goal=goal, visibility=Goal.Visibility.LEADER
    )
    # Background notes: written, edited through the page, deleted.
    note = cohort_services.add_background_note(organization=acme, author=hr_admin, body=markers[5])
    client.force_login(hr_admin)
    client.post(
        reverse("cohorts:organization_note_edit", args=[acme.pk, note.pk]), {"body": markers[6]}
    )
    cohort_services.delete_background_note(note=note, deleted_by=hr_admin)
    # The cohort's purpose, a check-in and a reflection: partners are recorded.
    cohort_services.update_cohort(cohort=cohort, purpose=markers[7])
    pair_up(cohort, [participant, other_participant], created_by=facilitator)
    checkin(
        cohort,
        participant,
        period_start=timezone.localdate() - datetime.timedelta(days=1),
        win=markers[8],
        challenge=markers[9],
    )
    post(live_session(cohort, facilitator), participant, markers[10])

    assert LogEntry.objects.filter(content_type__model__in=["goal", "backgroundnote"]).count() >= 5
    for entry in LogEntry.objects.all():
        text = trail_text(entry)
        assert not [marker for marker in markers if marker in text], entry.pk


def test_no_text_field_is_compared_unless_masked():
    for model, fields in registry.AUDITED_FIELDS.items():
        fields = set(fields) - set(registry.MASKED_FIELDS.get(model, []))
        text_fields = {
            field.name
            for field in model._meta.concrete_fields
            if field.get_internal_type() == "TextField"
        }
        assert not text_fields & fields, model


# The page ---------------------------------------------------------------------


def test_hr_admins_read_their_organizations_changes_only(
    client, acme, globex, cohort, hr_admin, participant
):
    globex_cohort = factories.CohortFactory(organization=globex, name="Globex Leaders")
    cohort_services.update_cohort(cohort=globex_cohort, name="Globex Renamed")
    cohort_services.update_cohort(cohort=cohort, name="Acme Renamed")
    client.force_login(hr_admin)
    response = client.get(changes_url(acme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Renamed" in page
    assert "Globex Renamed" not in page
    assert "Globex Leaders" not in page
    assert "system" in page


def test_the_organization_page_links_to_its_changes(client, acme, hr_admin):
    client.force_login(hr_admin)
    response = client.get(reverse("cohorts:organization", args=[acme.pk]))
    assert changes_url(acme) in response.content.decode()


@pytest.mark.parametrize(
    "reader", ["globex_user", "facilitator", "participant", "leader", "outsider"]
)
def test_everyone_but_the_organizations_hr_admins_gets_the_one_404(
    client, acme, cohort, reader, request
):
    cohort_services.update_cohort(cohort=cohort, capacity=11)
    client.force_login(request.getfixturevalue(reader))
    assert client.get(changes_url(acme)).status_code == 404
    assert client.get(reverse("audit:organization_changes", args=[999999])).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, acme):
    response = client.get(changes_url(acme))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_page_changes_nothing(client, acme, hr_admin):
    client.force_login(hr_admin)
    assert client.post(changes_url(acme)).status_code == 405


def test_the_page_filters_by_kind_and_pages(client, settings, acme, cohort, hr_admin):
    settings.AUDIT_PAGE_SIZE = 2
    for capacity in (11, 12, 9):
        cohort_services.update_cohort(cohort=cohort, capacity=capacity)
    client.force_login(hr_admin)
    first = client.get(changes_url(acme), {"kind": "cohorts.cohort"})
    assert first.context["page"].paginator.count == 4  # created, then changed three times
    assert [row.kind for row in first.context["rows"]] == ["Cohort", "Cohort"]
    assert "12 → 9" in first.content.decode()
    second = client.get(changes_url(acme), {"kind": "cohorts.cohort", "page": 2})
    assert [row.action for row in second.context["rows"]] == ["Changed", "Created"]
    notes_only = client.get(changes_url(acme), {"kind": "cohorts.backgroundnote"})
    assert notes_only.context["page"].paginator.count == 0


def test_a_leader_change_names_the_people(client, acme, cohort, hr_admin, participant, outsider):
    cohort_services.set_leader(
        membership=membership(participant, cohort), leader=outsider, changed_by=hr_admin
    )
    client.force_login(hr_admin)
    response = client.get(changes_url(acme), {"kind": "cohorts.membership"})
    assert "Lee Leader → Sam Else" in response.content.decode()


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def grow(cohort, actor, start: int, count: int):
    """`count` more people, each with entries by a signed-in actor (as a page
    request would set it) that name people: a leader link, an invitation."""
    with set_actor(actor):
        _grow(cohort, actor, start, count)


def _grow(cohort, actor, start: int, count: int):
    for n in range(start, start + count):
        user = factories.UserFactory(email=f"grow{n}@acme.test", display_name=f"Grow {n}")
        cohort_services.ensure_organization_member(
            organization_id=cohort.organization_id, user=user
        )
        member = factories.MembershipFactory(cohort=cohort, user=user)
        cohort_services.set_leader(membership=member, leader=actor, changed_by=None)
        invitations.invite(
            cohort=cohort, email=f"invite{n}@acme.test", role="participant", invited_by=actor
        )


def test_page_queries_do_not_grow_with_the_trail(client, acme, cohort, hr_admin, leader):
    cohort.capacity = 100
    cohort.save()
    client.force_login(hr_admin)
    counts = []
    for start, count in ((0, 2), (2, 18)):
        grow(cohort, leader, start, count)
        query_count(client, changes_url(acme))  # content types cached, as in production
        counts.append(query_count(client, changes_url(acme)))
    assert LogEntry.objects.filter(actor__isnull=False).count() > 50
    assert counts[0] == counts[1], counts


# The Django admin ---------------------------------------------------------------


def test_the_admin_shows_entries_but_changes_and_deletes_none(client, cohort):
    cohort_services.update_cohort(cohort=cohort, capacity=11)
    entry = last_entry(Cohort)
    superuser = factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    changelist = reverse("admin:auditlog_logentry_changelist")
    assert client.get(changelist).status_code == 200
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"object_repr": "rewritten"})
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(changelist, {"action": "delete_selected", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.object_repr == "Leading Through Change"
