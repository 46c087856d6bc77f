"""Background notes: what HR told a coach is changed only by HR or by the
note's own author, and every change leaves the earlier text on record."""

import pytest
from django.urls import reverse

from cohorts import services
from cohorts.models import BackgroundNote, BackgroundNoteRevision
from cohorts.permissions import access_cohort
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_note(acme, cohort, hr_admin):
    """A note about the cohort, written by HR."""
    return factories.BackgroundNoteFactory(
        organization=acme, cohort=cohort, author=hr_admin, body="Reorg in March."
    )


@pytest.fixture
def hr_organization_note(acme, hr_admin):
    """A note about the whole organization, written by HR."""
    return factories.BackgroundNoteFactory(
        organization=acme, author=hr_admin, body="Culture of consensus."
    )


@pytest.fixture
def coach_note(acme, cohort, facilitator):
    """A note the coach wrote for themself."""
    return factories.BackgroundNoteFactory(
        organization=acme, cohort=cohort, author=facilitator, body="Start with a round."
    )


def note_state():
    return (
        list(BackgroundNote.objects.order_by("pk").values("pk", "body")),
        BackgroundNoteRevision.objects.count(),
    )


@pytest.mark.parametrize("note_fixture", ["hr_note", "hr_organization_note"])
def test_a_facilitator_cannot_edit_or_delete_what_hr_wrote(
    client, request, cohort, facilitator, note_fixture
):
    note = request.getfixturevalue(note_fixture)
    before = note_state()
    client.force_login(facilitator)
    edit = reverse("cohorts:note_edit", args=[cohort.pk, note.pk])
    delete = reverse("cohorts:note_delete", args=[cohort.pk, note.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"body": "Rewritten by the coach."}).status_code == 404
    assert client.post(delete).status_code == 404
    assert note_state() == before


def test_the_notes_page_offers_no_edit_or_delete_on_hr_notes_to_a_coach(
    client, cohort, facilitator, hr_note, coach_note
):
    client.force_login(facilitator)
    page = client.get(reverse("cohorts:notes", args=[cohort.pk])).content.decode()
    assert "Reorg in March." in page and "Start with a round." in page
    assert reverse("cohorts:note_edit", args=[cohort.pk, hr_note.pk]) not in page
    assert reverse("cohorts:note_delete", args=[cohort.pk, hr_note.pk]) not in page
    assert reverse("cohorts:note_edit", args=[cohort.pk, coach_note.pk]) in page
    assert "History of changes" not in page


def test_a_facilitator_edits_and_deletes_their_own_note_and_history_keeps_it(
    client, cohort, facilitator, coach_note
):
    client.force_login(facilitator)
    client.post(
        reverse("cohorts:note_edit", args=[cohort.pk, coach_note.pk]),
        {"body": "Start with a silent minute."},
    )
    coach_note.refresh_from_db()
    assert coach_note.body == "Start with a silent minute."
    client.post(reverse("cohorts:note_delete", args=[cohort.pk, coach_note.pk]))
    assert not BackgroundNote.objects.filter(pk=coach_note.pk).exists()
    history = list(BackgroundNoteRevision.objects.order_by("pk").values_list("action", "body"))
    assert history == [
        ("edited", "Start with a round."),
        ("deleted", "Start with a silent minute."),
    ]
    assert set(BackgroundNoteRevision.objects.values_list("changed_by", flat=True)) == {
        facilitator.pk
    }


def test_hr_changes_any_note_and_reads_the_history(
    client, acme, cohort, hr_admin, coach_note, hr_organization_note
):
    client.force_login(hr_admin)
    client.post(
        reverse("cohorts:note_edit", args=[cohort.pk, coach_note.pk]), {"body": "Corrected."}
    )
    client.post(
        reverse("cohorts:organization_note_delete", args=[acme.pk, hr_organization_note.pk])
    )
    page = client.get(reverse("cohorts:notes", args=[cohort.pk])).content.decode()
    assert "History of changes" in page
    assert "Start with a round." in page  # the text before HR's correction
    assert "Culture of consensus." in page  # the organization's deleted note
    assert "edited" in page
    org_page = client.get(reverse("cohorts:organization_notes", args=[acme.pk])).content.decode()
    assert "Culture of consensus." in org_page
    assert "Start with a round." not in org_page  # a cohort's note stays on its cohort's page


def test_saving_the_same_text_records_no_change(cohort, hr_admin, hr_note):
    services.update_background_note(note=hr_note, body=" Reorg in March. ", changed_by=hr_admin)
    assert not BackgroundNoteRevision.objects.exists()


def test_another_cohorts_history_is_not_shown(client, acme, cohort, hr_admin):
    other = factories.CohortFactory(organization=acme)
    note = factories.BackgroundNoteFactory(organization=acme, cohort=other, body="Elsewhere.")
    services.delete_background_note(note=note, deleted_by=hr_admin)
    client.force_login(hr_admin)
    page = client.get(reverse("cohorts:notes", args=[cohort.pk])).content.decode()
    assert "Elsewhere." not in page


@pytest.mark.parametrize(
    ("who", "own", "expected"),
    [
        ("hr_admin", False, True),
        ("facilitator", True, True),
        ("facilitator", False, False),
    ],
)
def test_who_may_change_a_note(request, acme, cohort, hr_admin, facilitator, who, own, expected):
    user = request.getfixturevalue(who)
    author = user if own else (facilitator if who == "hr_admin" else hr_admin)
    note = factories.BackgroundNoteFactory(organization=acme, cohort=cohort, author=author)
    assert access_cohort(user, cohort.pk).can_change_note(note) is expected


@pytest.fixture
def staff(db):
    """A superuser, who works in the Django admin."""
    return factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)


def test_an_edit_in_the_admin_keeps_the_earlier_text(client, staff, hr_note):
    client.force_login(staff)
    url = reverse("admin:cohorts_backgroundnote_change", args=[hr_note.pk])
    assert list(client.get(url).context["adminform"].form.fields) == ["body"]
    response = client.post(url, {"body": "Rewritten in the admin."})
    assert response.status_code == 302, response.context["adminform"].form.errors
    hr_note.refresh_from_db()
    assert hr_note.body == "Rewritten in the admin."
    revision = BackgroundNoteRevision.objects.get()
    assert (revision.action, revision.body, revision.changed_by) == (
        "edited",
        "Reorg in March.",
        staff,
    )


def test_a_deletion_in_the_admin_keeps_the_last_text(client, staff, hr_note, coach_note):
    client.force_login(staff)
    one = reverse("admin:cohorts_backgroundnote_delete", args=[hr_note.pk])
    assert client.post(one, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:cohorts_backgroundnote_changelist")
    client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [coach_note.pk], "post": "yes"},
    )
    assert not BackgroundNote.objects.exists()
    history = BackgroundNoteRevision.objects.order_by("pk").values_list("action", "body")
    assert list(history) == [("deleted", "Reorg in March."), ("deleted", "Start with a round.")]
