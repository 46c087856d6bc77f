"""The enrollment pages: what each one shows, and what each form does.

Who may open which page at all is tests/test_tenant_isolation.py's job; here
the pages are used by people who may, plus the refusals that need an object
from elsewhere (another cohort's note, another organization's leader).
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cohorts.models import BackgroundNote, Cohort, Invitation, Membership
from tests import factories

pytestmark = pytest.mark.django_db


def page(client, user, name, **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


# My cohorts ------------------------------------------------------------------------


def test_home_groups_by_organization_and_role(client, cohort, facilitator, globex_user):
    factories.OrganizationMembershipFactory(
        organization=cohort.organization, user=globex_user, role="hr_admin"
    )
    text = page(client, globex_user, "cohorts:home")
    assert text.index(">Acme</h2>") < text.index(">Globex</h2>")  # by organization name
    assert reverse("cohorts:organization", args=[cohort.organization_id]) in text
    assert "Facilitating" in text and "Globex Leaders" in text


def test_home_of_a_participant_lists_their_cohort_only(client, participant, acme):
    factories.CohortFactory(organization=acme, name="Someone Else's Cohort")
    text = page(client, participant, "cohorts:home")
    assert "Participating" in text
    assert "Leading Through Change" in text
    assert "Someone Else" not in text
    assert "Manage Acme" not in text


def test_home_of_a_leader_lists_the_participants_they_lead(client, leader, participant):
    text = page(client, leader, "cohorts:home")
    assert "Leader of" in text
    assert "Pat One" in text
    assert reverse("cohorts:detail", args=[Membership.objects.get(user=participant).cohort_id])


def test_home_of_an_hr_admin_links_to_the_organization_admin(client, hr_admin, acme):
    text = page(client, hr_admin, "cohorts:home")
    assert "Manage Acme" in text
    assert reverse("cohorts:organization", args=[acme.pk]) in text


def test_home_of_someone_with_nothing_says_so(client, django_user_model):
    user = factories.UserFactory()
    assert "not in any cohort yet" in page(client, user, "cohorts:home")


# Organization admin -----------------------------------------------------------------


def test_organization_page_shows_cohorts_people_and_invitations(
    client, acme, cohort, facilitator, participant, leader, hr_admin
):
    factories.InvitationFactory(cohort=cohort, email="waiting@acme.test")
    factories.InvitationFactory(cohort=cohort, email="gone@acme.test", revoked_at=timezone.now())
    text = page(client, hr_admin, "cohorts:organization", organization_id=acme.pk)
    assert "Leading Through Change" in text
    assert "1 / 10" in text  # participants / capacity
    assert "Casey Coach" in text
    assert "Lee Leader" in text and "HR admin" in text
    assert "waiting@acme.test" in text and "Pending" in text
    assert "gone@acme.test" in text and "Revoked" in text
    pending = Invitation.objects.get(email="waiting@acme.test")
    assert reverse("cohorts:invitation_revoke", args=[cohort.pk, pending.pk]) in text
    assert reverse("cohorts:invitation_resend", args=[cohort.pk, pending.pk]) in text
    revoked = Invitation.objects.get(email="gone@acme.test")
    assert reverse("cohorts:invitation_revoke", args=[cohort.pk, revoked.pk]) not in text


def test_organization_page_shows_nothing_of_another_organization(
    client, acme, hr_admin, globex_user
):
    text = page(client, hr_admin, "cohorts:organization", organization_id=acme.pk)
    assert "Globex" not in text and "hr@globex.test" not in text


# Cohort create and edit ------------------------------------------------------------------


def cohort_form(**overrides):
    return {
        "name": "Next Wave",
        "kind": "team",
        "purpose": "Grow.",
        "capacity": "8",
        "starts_on": "2026-04-01",
        "ends_on": "2026-12-01",
        "time_zone": "Europe/Paris",
        **overrides,
    }


def test_hr_admin_creates_a_cohort(client, acme, hr_admin):
    client.force_login(hr_admin)
    response = client.post(reverse("cohorts:cohort_create", args=[acme.pk]), cohort_form())
    cohort = Cohort.objects.get(name="Next Wave")
    assert response["Location"] == cohort.get_absolute_url()
    assert (cohort.organization, cohort.kind, cohort.capacity) == (acme, "team", 8)
    assert cohort.ends_on == datetime.date(2026, 12, 1)
    assert (cohort.status, cohort.time_zone) == ("draft", "Europe/Paris")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "2026-04-01"}, "ends_on"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "51"}, "capacity"),
        ({"kind": "group", "capacity": "13"}, "capacity"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": ""}, "name"),
    ],
)
def test_cohort_create_refuses_bad_input_and_creates_nothing(
    client, acme, hr_admin, overrides, field
):
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:cohort_create", args=[acme.pk]), cohort_form(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Cohort.objects.exists()


def test_empty_post_shows_the_errors(client, acme, hr_admin):
    client.force_login(hr_admin)
    response = client.post(reverse("cohorts:cohort_create", args=[acme.pk]), {})
    assert response.context["form"].errors


def test_facilitator_edits_the_cohort_but_not_its_state(client, cohort, facilitator):
    """The state moves only by the cohort page's buttons: a posted status is ignored."""
    client.force_login(facilitator)
    response = client.post(
        reverse("cohorts:edit", args=[cohort.pk]),
        cohort_form(name="Renamed", status="archived", capacity="12"),
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.status, cohort.capacity) == ("Renamed", "active", 12)


def test_edit_refuses_capacity_below_the_enrolled_and_changes_nothing(
    client, cohort, facilitator, participant, other_participant, settings
):
    settings.COHORT_CAPACITY = {"group": (1, 12), "team": (1, 50)}
    client.force_login(facilitator)
    before = Cohort.objects.values().get(pk=cohort.pk)
    response = client.post(reverse("cohorts:edit", args=[cohort.pk]), cohort_form(capacity="1"))
    assert response.status_code == 200
    assert "2 participants already enrolled" in str(response.context["form"].errors["capacity"])
    assert Cohort.objects.values().get(pk=cohort.pk) == before


def test_edit_form_shows_the_saved_values(client, cohort, hr_admin):
    text = page(client, hr_admin, "cohorts:edit", cohort_id=cohort.pk)
    assert f'value="{cohort.starts_on.isoformat()}"' in text


# Cohort page ------------------------------------------------------------------------------


def test_cohort_page_shows_purpose_window_status_and_manager_links(client, cohort, facilitator):
    text = page(client, facilitator, "cohorts:detail", cohort_id=cohort.pk)
    assert "Grow as leaders through change." in text
    assert "Active" in text
    assert reverse("cohorts:roster", args=[cohort.pk]) in text
    assert reverse("cohorts:invite", args=[cohort.pk]) in text
    assert reverse("cohorts:notes", args=[cohort.pk]) in text
    assert 'class="panels"' in text


def test_cohort_page_of_a_participant_has_no_manager_links(client, cohort, participant):
    text = page(client, participant, "cohorts:detail", cohort_id=cohort.pk)
    assert reverse("cohorts:roster", args=[cohort.pk]) in text
    assert reverse("cohorts:invite", args=[cohort.pk]) not in text
    assert reverse("cohorts:notes", args=[cohort.pk]) not in text


def test_cohort_page_of_a_leader_names_their_participant_only(
    client, cohort, leader, participant, other_participant
):
    text = page(client, leader, "cohorts:detail", cohort_id=cohort.pk)
    assert "Pat One" in text
    assert "Robin Two" not in text
    assert reverse("cohorts:roster", args=[cohort.pk]) not in text


@pytest.mark.parametrize(
    ("role", "place", "organization_link"),
    [
        ("facilitator", "a facilitator", False),
        ("participant", "a participant", False),
        ("leader", None, False),
        ("hr_admin", None, True),
    ],
)
def test_cohort_page_names_the_readers_place_and_links_hr_to_the_organization(
    client, request, cohort, participant, role, place, organization_link
):
    text = page(client, request.getfixturevalue(role), "cohorts:detail", cohort_id=cohort.pk)
    assert ("<dt>You are</dt>" in text) is (place is not None)
    if place is not None:
        assert f"<dd>{place}</dd>" in text
    organization = reverse("cohorts:organization", args=[cohort.organization_id])
    assert (organization in text) is organization_link


def test_cohort_text_is_escaped(client, cohort, facilitator):
    Cohort.objects.filter(pk=cohort.pk).update(purpose="<script>alert(1)</script>")
    text = page(client, facilitator, "cohorts:detail", cohort_id=cohort.pk)
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;" in text


# Roster ------------------------------------------------------------------------------


def test_roster_for_managers_shows_emails_leaders_and_invitations(
    client, cohort, hr_admin, facilitator, participant, leader
):
    factories.InvitationFactory(cohort=cohort, email="waiting@acme.test")
    text = page(client, hr_admin, "cohorts:roster", cohort_id=cohort.pk)
    assert "Casey Coach" in text and "Pat One" in text
    assert "p1@acme.test" in text
    assert "waiting@acme.test" in text
    assert "selected>Lee Leader (lead1@acme.test)" in text
    assert "8 seats left." in text  # 10 - 1 participant - 1 pending


def test_roster_for_a_participant_shows_names_only(client, cohort, facilitator, participant):
    text = page(client, participant, "cohorts:roster", cohort_id=cohort.pk)
    assert "Casey Coach" in text and "Pat One" in text
    assert "coach@acme.test" not in text
    assert "Invitations" not in text
    assert "Leader" not in text


def test_manager_sets_and_clears_a_leader(client, cohort, facilitator, participant, outsider):
    membership = Membership.objects.get(user=participant)
    client.force_login(facilitator)
    url = reverse("cohorts:set_leader", args=[cohort.pk, membership.pk])
    response = client.post(url, {f"m{membership.pk}-leader": outsider.pk})
    assert response["Location"] == reverse("cohorts:roster", args=[cohort.pk])
    membership.refresh_from_db()
    assert membership.leader == outsider
    client.post(url, {f"m{membership.pk}-leader": ""})
    membership.refresh_from_db()
    assert membership.leader is None


def test_a_leader_outside_the_organization_is_refused(
    client, cohort, facilitator, participant, leader, globex_user
):
    membership = Membership.objects.get(user=participant)
    client.force_login(facilitator)
    response = client.post(
        reverse("cohorts:set_leader", args=[cohort.pk, membership.pk]),
        {f"m{membership.pk}-leader": globex_user.pk},
        follow=True,
    )
    assert "Choose a leader from the organization" in response.content.decode()
    membership.refresh_from_db()
    assert membership.leader == leader


def test_set_leader_of_a_facilitator_is_refused(client, cohort, hr_admin, facilitator, leader):
    membership = Membership.objects.get(user=facilitator)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:set_leader", args=[cohort.pk, membership.pk]),
        {f"m{membership.pk}-leader": leader.pk},
        follow=True,
    )
    assert "Only participants have a leader." in response.content.decode()
    membership.refresh_from_db()
    assert membership.leader is None


def test_set_leader_on_a_membership_of_another_cohort_is_404(client, acme, cohort, facilitator):
    elsewhere = factories.MembershipFactory(cohort=factories.CohortFactory(organization=acme))
    client.force_login(facilitator)
    response = client.post(reverse("cohorts:set_leader", args=[cohort.pk, elsewhere.pk]))
    assert response.status_code == 404


# Invite one person --------------------------------------------------------------------


def test_invite_page_sends_the_invitation(
    client, cohort, facilitator, leader, django_capture_on_commit_callbacks
):
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:invite", args=[cohort.pk]),
            {
                "email": "Newcomer@Acme.test",
                "name": "Nova",
                "role": "participant",
                "leader_email": "lead1@acme.test",
            },
        )
    assert response["Location"] == reverse("cohorts:roster", args=[cohort.pk])
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.invited_by) == ("newcomer@acme.test", facilitator)
    assert mail.outbox[0].to == ["newcomer@acme.test"]
    assert "/invitations/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "field", "phrase"),
    [
        ({"email": "p1@acme.test"}, "email", "already in this cohort"),
        ({"leader_email": "boss@nowhere.test"}, "leader_email", "not a member of Acme"),
        ({"role": "facilitator", "leader_email": "lead1@acme.test"}, "leader_email", "Only"),
        ({"email": "bad"}, "email", "valid email"),
    ],
)
def test_invite_page_shows_refusals_on_their_field_and_creates_nothing(
    client, cohort, hr_admin, participant, data, field, phrase
):
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invite", args=[cohort.pk]),
        {"email": "x@acme.test", "role": "participant", **data},
    )
    assert response.status_code == 200
    assert phrase in str(response.context["form"].errors[field])
    assert not Invitation.objects.exists()


def test_invite_page_refuses_past_capacity_with_a_clear_message(
    client, cohort, hr_admin, participant
):
    Cohort.objects.filter(pk=cohort.pk).update(capacity=1)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invite", args=[cohort.pk]),
        {"email": "x@acme.test", "role": "participant"},
    )
    assert "Leading Through Change is full: it holds 1 participant," in response.content.decode()
    assert not Invitation.objects.exists()


# Revoke and resend ----------------------------------------------------------------------


def test_revoke_from_the_organization_page_goes_back_there(client, acme, cohort, hr_admin):
    invitation = factories.InvitationFactory(cohort=cohort)
    client.force_login(hr_admin)
    back = reverse("cohorts:organization", args=[acme.pk])
    response = client.post(
        reverse("cohorts:invitation_revoke", args=[cohort.pk, invitation.pk]), {"next": back}
    )
    assert response["Location"] == back
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_resend_ignores_a_next_on_another_site(
    client, cohort, facilitator, django_capture_on_commit_callbacks
):
    invitation = factories.InvitationFactory(
        cohort=cohort, sent_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:invitation_resend", args=[cohort.pk, invitation.pk]),
            {"next": "https://evil.example/"},
        )
    assert response["Location"] == reverse("cohorts:roster", args=[cohort.pk])
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert len(mail.outbox) == 1


def test_resend_of_a_revoked_invitation_says_why_and_changes_nothing(client, cohort, hr_admin):
    invitation = factories.InvitationFactory(cohort=cohort, revoked_at=timezone.now())
    before = Invitation.objects.values().get(pk=invitation.pk)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invitation_resend", args=[cohort.pk, invitation.pk]), follow=True
    )
    assert "cannot be resent" in response.content.decode()
    assert Invitation.objects.values().get(pk=invitation.pk) == before


def test_invitation_of_another_cohort_is_404_through_this_cohort(
    client, acme, cohort, facilitator
):
    elsewhere = factories.InvitationFactory(cohort=factories.CohortFactory(organization=acme))
    client.force_login(facilitator)
    response = client.post(reverse("cohorts:invitation_revoke", args=[cohort.pk, elsewhere.pk]))
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.revoked_at is None


# Background notes ----------------------------------------------------------------------


def test_facilitator_adds_notes_about_the_organization_cohort_and_a_participant(
    client, acme, cohort, facilitator, participant
):
    membership = Membership.objects.get(user=participant)
    client.force_login(facilitator)
    url = reverse("cohorts:notes", args=[cohort.pk])
    for about, body in (
        ("organization", "Culture of speed."),
        ("cohort", "Sessions on Tuesdays."),
        (str(membership.pk), "New to managing."),
    ):
        assert client.post(url, {"about": about, "body": body}).status_code == 302
    notes = {note.body: note for note in BackgroundNote.objects.all()}
    assert notes["Culture of speed."].cohort is None
    assert notes["Sessions on Tuesdays."].cohort == cohort
    assert notes["New to managing."].participant == membership
    assert all(note.author == facilitator and note.organization == acme for note in notes.values())
    text = client.get(url).content.decode()
    assert "Culture of speed." in text and "New to managing." in text


def test_note_about_a_participant_of_another_cohort_is_refused(client, acme, cohort, hr_admin):
    elsewhere = factories.MembershipFactory(cohort=factories.CohortFactory(organization=acme))
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:notes", args=[cohort.pk]), {"about": str(elsewhere.pk), "body": "x"}
    )
    assert response.status_code == 200
    assert "about" in response.context["form"].errors
    assert not BackgroundNote.objects.exists()


def test_notes_page_leaves_out_other_cohorts_and_organizations(
    client, acme, globex, cohort, hr_admin
):
    factories.BackgroundNoteFactory(
        organization=acme, cohort=factories.CohortFactory(organization=acme), body="Other cohort."
    )
    factories.BackgroundNoteFactory(organization=globex, body="Globex secret.")
    text = page(client, hr_admin, "cohorts:notes", cohort_id=cohort.pk)
    assert "Other cohort." not in text and "Globex secret." not in text


def test_edit_and_delete_a_note(client, acme, cohort, hr_admin):
    note = factories.BackgroundNoteFactory(organization=acme, cohort=cohort, body="Old.")
    client.force_login(hr_admin)
    client.post(reverse("cohorts:note_edit", args=[cohort.pk, note.pk]), {"body": "New."})
    note.refresh_from_db()
    assert note.body == "New."
    client.post(reverse("cohorts:note_delete", args=[cohort.pk, note.pk]))
    assert not BackgroundNote.objects.exists()


@pytest.mark.parametrize("where", ["other_cohort", "globex"])
def test_a_note_from_elsewhere_is_404_through_this_cohort(
    client, acme, globex, cohort, facilitator, where
):
    if where == "other_cohort":
        note = factories.BackgroundNoteFactory(
            organization=acme, cohort=factories.CohortFactory(organization=acme)
        )
    else:
        note = factories.BackgroundNoteFactory(organization=globex)
    client.force_login(facilitator)
    assert client.get(reverse("cohorts:note_edit", args=[cohort.pk, note.pk])).status_code == 404
    response = client.post(reverse("cohorts:note_delete", args=[cohort.pk, note.pk]))
    assert response.status_code == 404
    assert BackgroundNote.objects.filter(pk=note.pk).exists()


def test_hr_admin_keeps_organization_notes(client, acme, cohort, hr_admin):
    client.force_login(hr_admin)
    url = reverse("cohorts:organization_notes", args=[acme.pk])
    assert client.post(url, {"body": "Merger this year."}).status_code == 302
    note = BackgroundNote.objects.get()
    assert (note.cohort, note.author) == (None, hr_admin)
    client.post(
        reverse("cohorts:organization_note_edit", args=[acme.pk, note.pk]), {"body": "Changed."}
    )
    note.refresh_from_db()
    assert note.body == "Changed."
    assert "Changed." in client.get(url).content.decode()
    client.post(reverse("cohorts:organization_note_delete", args=[acme.pk, note.pk]))
    assert not BackgroundNote.objects.exists()


def test_a_cohort_note_is_404_through_the_organization_notes(client, acme, cohort, hr_admin):
    note = factories.BackgroundNoteFactory(organization=acme, cohort=cohort)
    client.force_login(hr_admin)
    url = reverse("cohorts:organization_note_edit", args=[acme.pk, note.pk])
    assert client.get(url).status_code == 404


def test_note_text_is_escaped(client, acme, cohort, hr_admin):
    factories.BackgroundNoteFactory(organization=acme, body="<b>bold</b>")
    text = page(client, hr_admin, "cohorts:notes", cohort_id=cohort.pk)
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
