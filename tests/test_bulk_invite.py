"""Bulk invitations from CSV: every row checked first, valid rows invited
together, invalid rows explained, nothing half-done."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts import bulk
from cohorts.models import Invitation
from lib.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


def errors_by_line(report):
    return {row.line: row.error for row in report.rows}


def test_good_rows_with_a_header_in_any_order_are_all_invited(cohort, hr_admin, leader):
    text = (
        "name,email,role,leader_email\n"
        "Ana One,ana@acme.test,participant,lead1@acme.test\n"
        "Ben Two,BEN@acme.test,,\n"
        "Coco Coach,coco@acme.test,Facilitator,\n"
    )
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    assert [row.error for row in report.rows] == ["", "", ""]
    assert len(report.invited) == 3
    invitations = {i.email: i for i in Invitation.objects.all()}
    assert set(invitations) == {"ana@acme.test", "ben@acme.test", "coco@acme.test"}
    assert invitations["ana@acme.test"].leader_email == "lead1@acme.test"
    assert invitations["ana@acme.test"].name == "Ana One"
    assert invitations["ben@acme.test"].role == "participant"  # the default role
    assert invitations["coco@acme.test"].role == "facilitator"
    assert all(i.invited_by == hr_admin for i in invitations.values())


def test_header_is_optional(cohort, hr_admin):
    report = bulk.bulk_invite(
        cohort=cohort, text="ana@acme.test,Ana One,participant\n", invited_by=hr_admin
    )
    assert report.rows[0].ok
    assert Invitation.objects.get().name == "Ana One"


def test_each_bad_row_is_explained_and_the_good_rows_are_invited(
    cohort, hr_admin, participant, leader
):
    factories.InvitationFactory(cohort=cohort, email="pending@acme.test")
    text = "\n".join(
        [
            "email,name,role,leader_email",
            "good@acme.test,Good One,participant,lead1@acme.test",  # 2
            "not-an-email,Bad Email,participant,",  # 3
            "role@acme.test,Bad Role,boss,",  # 4
            "good@acme.test,Twice,participant,",  # 5
            "p1@acme.test,Already Member,participant,",  # 6
            "pending@acme.test,Already Invited,participant,",  # 7
            "orphan@acme.test,No Leader,participant,nobody@acme.test",  # 8
            ",Nameless,participant,",  # 9
            "self@acme.test,Self Led,participant,self@acme.test",  # 10
            "coach2@acme.test,Coach,facilitator,lead1@acme.test",  # 11
            "wide@acme.test,Too Wide,participant,,extra",  # 12
            "badlead@acme.test,Bad Leader,participant,not-an-email",  # 13
        ]
    )
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    errors = errors_by_line(report)
    assert errors[2] == ""
    assert "not a valid email" in errors[3]
    assert "Unknown role" in errors[4]
    assert errors[5] == "Duplicate of line 2."
    assert "already in this cohort" in errors[6]
    assert "pending invitation" in errors[7]
    assert "not a member of Acme" in errors[8]
    assert "missing" in errors[9]
    assert "own leader" in errors[10]
    assert "Only participants" in errors[11]
    assert "Too many columns" in errors[12]
    assert "leader email" in errors[13]
    assert [row.line for row in report.invited] == [2]
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "good@acme.test",
        "pending@acme.test",
    ]


def test_rows_past_capacity_are_refused_in_file_order(cohort, hr_admin, participant):
    cohort.capacity = 3
    cohort.save()
    factories.InvitationFactory(cohort=cohort, email="pending@acme.test")
    text = "a@acme.test\nb@acme.test\ncoach@x.test,,facilitator\nc@acme.test\n"
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    errors = errors_by_line(report)
    assert errors[1] == ""
    assert "is full" in errors[2]
    assert errors[3] == ""  # a facilitator takes no seat
    assert "is full" in errors[4]
    assert Invitation.objects.filter(role="participant").count() == 2


def test_a_leader_invited_in_the_same_file_may_be_named_above_their_row(cohort, hr_admin):
    text = (
        "report@acme.test,Rae Report,participant,boss@acme.test\nboss@acme.test,Bo Boss,leader\n"
    )
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    assert [row.error for row in report.rows] == ["", ""]
    assert Invitation.objects.get(email="report@acme.test").leader_email == "boss@acme.test"


def test_a_named_leader_whose_own_row_fails_makes_the_participant_row_fail(
    cohort, hr_admin, leader
):
    """lead1 is already a member, so their leader row fails but they are still known."""
    text = "lead1@acme.test,,leader\nr@acme.test,,participant,lead1@acme.test\n"
    text += "x@acme.test,,leader,\nbad,,leader\ny@acme.test,,participant,bad\n"
    report = bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    errors = errors_by_line(report)
    assert "already a member" in errors[1]
    assert errors[2] == ""
    assert errors[3] == ""
    assert "not a valid email" in errors[4]
    assert errors[5]


def test_nothing_half_done_when_a_rule_breaks_between_check_and_write(
    cohort, hr_admin, monkeypatch
):
    """If an invitation fails while writing, no row of the file is invited."""
    from cohorts import invitations

    real_invite = invitations.invite
    calls = []

    def failing_invite(**kwargs):
        calls.append(kwargs["email"])
        if len(calls) == 2:
            raise DomainError("mail server exploded", code="boom")
        return real_invite(**kwargs)

    monkeypatch.setattr(invitations, "invite", failing_invite)
    with pytest.raises(DomainError):
        bulk.bulk_invite(cohort=cohort, text="a@acme.test\nb@acme.test\n", invited_by=hr_admin)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("email,name\n", "empty"),
        ("email,phone\na@acme.test,123\n", "bad_header"),
        ("a@acme.test\n" * (bulk.MAX_ROWS + 1), "too_many_rows"),
        ('a@acme.test,"unterminated\n', "bad_csv"),
    ],
)
def test_unusable_csv_is_refused_as_a_whole(cohort, hr_admin, text, code, settings):
    with pytest.raises(DomainError) as refused:
        bulk.bulk_invite(cohort=cohort, text=text, invited_by=hr_admin)
    assert refused.value.code == code
    assert not Invitation.objects.exists()


def test_strict_csv_error_is_reported(monkeypatch, cohort, hr_admin):
    """csv.Error (for example a field larger than the csv module allows)."""
    import csv

    monkeypatch.setattr(csv, "field_size_limit", csv.field_size_limit)
    csv.field_size_limit(10)
    try:
        with pytest.raises(DomainError) as refused:
            bulk.bulk_invite(cohort=cohort, text="a" * 50 + "@acme.test\n", invited_by=hr_admin)
    finally:
        csv.field_size_limit(131072)
    assert refused.value.code == "bad_csv"


# The page ------------------------------------------------------------------------


def test_bulk_page_pasted_csv_shows_a_per_row_report(
    client, cohort, hr_admin, django_capture_on_commit_callbacks
):
    client.force_login(hr_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:bulk_invite", args=[cohort.pk]),
            {"csv_text": "email,name\nana@acme.test,Ana\nnope,Bad\n"},
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 person invited." in text
    assert "1 row not invited." in text
    assert "“nope” is not a valid email address." in text
    assert [message.to for message in mail.outbox] == [["ana@acme.test"]]


def test_bulk_page_accepts_an_uploaded_utf8_file_with_bom(client, cohort, facilitator):
    client.force_login(facilitator)
    upload = SimpleUploadedFile(
        "people.csv", "\ufeffemail,name\nzoe@acme.test,Zoë Zed\n".encode(), "text/csv"
    )
    response = client.post(reverse("cohorts:bulk_invite", args=[cohort.pk]), {"csv_file": upload})
    assert response.status_code == 200
    assert Invitation.objects.get().name == "Zoë Zed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste CSV or choose a file."),
        (
            {
                "csv_text": "a@acme.test",
                "csv_file": SimpleUploadedFile("a.csv", b"b@acme.test", "text/csv"),
            },
            "not both",
        ),
        ({"csv_file": SimpleUploadedFile("a.csv", "é".encode("latin-1"), "text/csv")}, "UTF-8"),
        ({"csv_text": "email,phone\n"}, "Unknown column"),
    ],
)
def test_bulk_page_refuses_unusable_input_and_invites_nobody(
    client, cohort, hr_admin, data, message
):
    client.force_login(hr_admin)
    response = client.post(reverse("cohorts:bulk_invite", args=[cohort.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None
    assert not Invitation.objects.exists()
