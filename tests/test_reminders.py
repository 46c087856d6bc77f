"""Reminder emails: each kind at its moment and never outside it, at most once
over many runs (overlapping, crashing, failing), only to the cohort's people
who have it on, and a one-click unsubscribe that needs no login."""

from __future__ import annotations

import datetime
import smtplib
import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail, signing
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board.models import CohortSession, Phase, PhaseKind
from cohorts.models import Cohort, Membership
from goals.models import CohortRhythm
from notifications import preferences, reminders
from notifications.models import EmailOptOut, ReminderKind, SentReminder
from notifications.reminders import send_due_reminders
from tests import factories

pytestmark = pytest.mark.django_db

# A Wednesday, noon UTC (13:00 in Paris); weekly periods start on Mondays.
NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
JOINED_LONG_AGO = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
PREPARED_AGENDA = [
    {
        "kind": PhaseKind.REFLECTION,
        "title": "What did feedback teach you?",
        "prompt": "One moment from this week.",
        "timebox_minutes": 20,
        "anonymous": False,
    }
]


@pytest.fixture
def cohort(acme):
    """An active cohort meeting in Paris, its program around NOW."""
    cohort = factories.CohortFactory(
        organization=acme,
        name="Leading Through Change",
        starts_on=datetime.date(2026, 9, 7),
        ends_on=datetime.date(2027, 3, 1),
        time_zone="Europe/Paris",
        status=Cohort.Status.ACTIVE,
    )
    CohortRhythm.objects.create(cohort=cohort)  # weekly, on Mondays
    return cohort


@pytest.fixture
def room(cohort, facilitator, participant, other_participant, leader, hr_admin, outsider):
    """The cohort's members (joined an hour before NOW), and people around it
    who must never be written to."""
    Membership.objects.filter(cohort=cohort).update(joined_at=NOW - HOUR)
    return {facilitator.email, participant.email, other_participant.email}


def session_at(cohort, starts_at, *, agenda=PREPARED_AGENDA, **extra):
    """A scheduled session whose agenda is prepared (no agenda reminder)."""
    return factories.CohortSessionFactory(
        cohort=cohort, starts_at=starts_at, title="Giving feedback", agenda=agenda, **extra
    )


def kind_of(message) -> str:
    """The kind an email is, read from its List-Unsubscribe link's token."""
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    token = url.rstrip("/").rsplit("/", 1)[1]
    return signing.loads(token, salt=preferences.UNSUBSCRIBE_SALT)[1]


def sent_to(kind, outbox=None) -> list[str]:
    """Recipients of every email of `kind` so far, sorted (repeats kept)."""
    outbox = mail.outbox if outbox is None else outbox
    return sorted(message.to[0] for message in outbox if kind_of(message) == kind)


# Sessions ---------------------------------------------------------------------


def test_a_session_within_a_day_reminds_every_member_and_nobody_else(room, cohort):
    session_at(cohort, NOW + 23 * HOUR)

    summary = send_due_reminders(now=NOW)

    assert sent_to("session") == sorted(room)
    assert summary.sent["session"] == 3 and not summary.failed


def test_a_session_more_than_a_day_away_reminds_nobody_yet(room, cohort):
    session_at(cohort, NOW + 24 * HOUR + MINUTE)

    send_due_reminders(now=NOW)

    assert sent_to("session") == []


def test_a_session_reminds_a_day_before_and_an_hour_before_and_never_after(room, cohort):
    session = session_at(cohort, NOW + 24 * HOUR)
    moments = [
        NOW - MINUTE,  # a day and a minute before: nothing yet
        NOW,  # the day-before reminder
        NOW + 10 * HOUR,  # nothing new
        session.starts_at - HOUR,  # the hour-before reminder
        session.starts_at - 30 * MINUTE,  # nothing new
        session.starts_at,  # started: nothing
        session.starts_at + HOUR,
    ]
    counts = []
    for moment in moments:
        send_due_reminders(now=moment)
        counts.append(len(sent_to("session")))

    assert counts == [0, 3, 3, 6, 6, 6, 6]
    subjects = sorted({message.subject for message in mail.outbox})
    assert subjects == [
        "Reminder: Giving feedback, Thursday 19 November, 13:00 (Europe/Paris)",
        "Starting soon: Giving feedback at 13:00 (Europe/Paris)",
    ]


def test_a_session_planned_less_than_an_hour_ahead_gets_only_the_hour_reminder(room, cohort):
    session_at(cohort, NOW + 40 * MINUTE)

    send_due_reminders(now=NOW)

    assert len(mail.outbox) == 3
    assert {message.subject.split(":")[0] for message in mail.outbox} == {"Starting soon"}


def test_a_session_planned_90_minutes_ahead_sends_one_email_not_two(room, cohort):
    session = session_at(cohort, NOW + 90 * MINUTE)

    send_due_reminders(now=NOW)
    waited = len(mail.outbox)
    send_due_reminders(now=session.starts_at - HOUR)

    assert waited == 0
    assert len(mail.outbox) == 3
    assert {message.subject.split(":")[0] for message in mail.outbox} == {"Starting soon"}


def test_each_reminder_is_sent_once_over_three_runs(room, cohort):
    session_at(cohort, NOW + 2 * HOUR)

    summaries = [send_due_reminders(now=NOW + n * MINUTE) for n in range(3)]

    assert sent_to("session") == sorted(room)
    assert [sum(s.sent.values()) for s in summaries] == [3, 0, 0]
    assert [s.already_claimed for s in summaries] == [0, 3, 3]
    assert SentReminder.objects.filter(sent_at__isnull=False).count() == 3


def test_a_moved_session_reminds_again_for_its_new_time(room, cohort, facilitator):
    session = session_at(cohort, NOW + 20 * HOUR)
    send_due_reminders(now=NOW)
    CohortSession.objects.filter(pk=session.pk).update(starts_at=NOW + 22 * HOUR)

    send_due_reminders(now=NOW + MINUTE)
    send_due_reminders(now=NOW + 2 * MINUTE)

    assert sent_to("session") == sorted(list(room) * 2)
    assert mail.outbox[-1].subject.endswith("Thursday 19 November, 11:00 (Europe/Paris)")


@pytest.mark.parametrize(
    "status",
    [CohortSession.Status.CANCELLED, CohortSession.Status.LIVE, CohortSession.Status.ENDED],
)
def test_no_reminder_for_a_session_that_is_not_scheduled(room, cohort, status):
    session_at(cohort, NOW + 2 * HOUR, status=status)

    send_due_reminders(now=NOW)

    assert mail.outbox == []


@pytest.mark.parametrize(
    "status", [Cohort.Status.DRAFT, Cohort.Status.COMPLETED, Cohort.Status.ARCHIVED]
)
def test_no_reminder_of_any_kind_for_a_cohort_that_is_not_active(room, cohort, status):
    session_at(cohort, NOW + 2 * HOUR, agenda=[])  # session and agenda reminders, if active
    Cohort.objects.filter(pk=cohort.pk).update(status=status)

    summary = send_due_reminders(now=NOW)

    assert mail.outbox == [] and summary.sent == {}


def test_another_organizations_cohort_is_reminded_to_its_own_members_only(room, cohort, globex):
    theirs = factories.CohortFactory(
        organization=globex, starts_on=cohort.starts_on, ends_on=cohort.ends_on
    )
    globex_member = factories.MembershipFactory(cohort=theirs).user
    session_at(theirs, NOW + 2 * HOUR)
    session_at(cohort, NOW + 2 * HOUR)

    send_due_reminders(now=NOW)

    theirs_facilitator = Membership.objects.get(cohort=theirs, role="facilitator").user
    assert sent_to("session") == sorted([*room, globex_member.email, theirs_facilitator.email])
    to_globex = [m for m in mail.outbox if m.to[0] in {globex_member.email}]
    assert len(to_globex) == 1 and cohort.name not in to_globex[0].body


def test_a_deactivated_member_gets_no_reminder(room, cohort, other_participant):
    other_participant.is_active = False
    other_participant.save()
    session_at(cohort, NOW + 2 * HOUR)

    send_due_reminders(now=NOW)

    assert other_participant.email not in sent_to("session")
    assert len(sent_to("session")) == 2


# Check-ins --------------------------------------------------------------------

# The open period runs Monday 16 to Sunday 22 November; the reminder is due
# from Saturday 21 at 9:00 in Paris (8:00 UTC).
SATURDAY_9_PARIS = datetime.datetime(2026, 11, 21, 8, 0, tzinfo=datetime.UTC)


def test_a_check_in_is_reminded_from_9_on_the_periods_second_to_last_day(
    room, cohort, participant, other_participant
):
    factories.CheckInFactory(
        author=Membership.objects.get(cohort=cohort, user=other_participant),
        period_start=datetime.date(2026, 11, 16),
    )

    send_due_reminders(now=SATURDAY_9_PARIS - MINUTE)
    before = sent_to("checkin")
    send_due_reminders(now=SATURDAY_9_PARIS)
    send_due_reminders(now=SATURDAY_9_PARIS + DAY)  # Sunday: still due, already sent

    assert before == []
    # Only the participant who has not written; never the facilitator.
    assert sent_to("checkin") == [participant.email]
    message = mail.outbox[0]
    assert "until the end of Sunday 22 November" in message.body
    assert reverse("goals:checkins", args=[cohort.pk]) in message.body


def test_the_next_period_is_reminded_again_and_not_before_its_own_last_days(
    room, cohort, participant
):
    send_due_reminders(now=SATURDAY_9_PARIS)
    monday = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)
    send_due_reminders(now=monday)
    assert sent_to("checkin") == sorted([participant.email, "p2@acme.test"])

    send_due_reminders(now=SATURDAY_9_PARIS + 7 * DAY)

    assert sent_to("checkin") == sorted([participant.email, "p2@acme.test"] * 2)


def test_no_check_in_reminder_after_the_program_ends(room, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(ends_on=datetime.date(2026, 11, 19))

    send_due_reminders(now=SATURDAY_9_PARIS)

    assert sent_to("checkin") == []


# Agendas ----------------------------------------------------------------------


def test_an_untouched_default_agenda_within_three_days_reminds_the_facilitators(
    room, cohort, facilitator
):
    co_facilitator = factories.MembershipFactory(
        cohort=cohort, role=Membership.Role.FACILITATOR
    ).user
    session = factories.CohortSessionFactory(
        cohort=cohort, starts_at=NOW + 3 * DAY + MINUTE, title="Default agenda"
    )

    send_due_reminders(now=NOW)
    assert sent_to("agenda") == []
    send_due_reminders(now=NOW + MINUTE)
    send_due_reminders(now=NOW + DAY)

    assert sent_to("agenda") == sorted([facilitator.email, co_facilitator.email])
    message = next(m for m in mail.outbox if kind_of(m) == "agenda")
    assert "still the default one" in message.body
    assert reverse("board:agenda", args=[session.pk]) in message.body


def test_a_session_without_phases_needs_an_agenda(room, cohort, facilitator):
    session_at(cohort, NOW + 2 * DAY, agenda=[])

    send_due_reminders(now=NOW)

    assert sent_to("agenda") == [facilitator.email]
    assert "no phases yet" in mail.outbox[0].body


def test_a_default_agenda_with_a_prompt_written_is_prepared(room, cohort):
    session = factories.CohortSessionFactory(cohort=cohort, starts_at=NOW + 2 * DAY)
    Phase.objects.filter(session=session, kind=PhaseKind.REFLECTION).update(
        prompt="What surprised you in the feedback you gave?"
    )

    send_due_reminders(now=NOW)

    assert sent_to("agenda") == []


# Gone quiet -------------------------------------------------------------------


def _long_time_member(cohort, user):
    Membership.objects.filter(cohort=cohort, user=user).update(joined_at=JOINED_LONG_AGO)
    return Membership.objects.get(cohort=cohort, user=user)


def test_a_quiet_participant_is_told_to_the_facilitators_once_per_spell(
    cohort, facilitator, participant, hr_admin, leader
):
    quiet = _long_time_member(cohort, participant)
    factories.CheckInFactory(
        author=quiet, period_start=datetime.date(2026, 10, 26), win="Told my boss I quit"
    )

    send_due_reminders(now=NOW)
    send_due_reminders(now=NOW + HOUR)
    send_due_reminders(now=NOW + 7 * DAY)  # the same spell, a period longer

    assert sent_to("quiet") == [facilitator.email]
    message = next(m for m in mail.outbox if kind_of(m) == "quiet")
    assert message.subject == "Pat One has gone quiet in Leading Through Change"
    assert "for 2 periods in a row" in message.body
    html = message.alternatives[0][0]
    for part in (message.subject, message.body, html):
        assert "quit" not in part and "Gave the hard feedback" not in part

    # Writing again ends the spell; two more silent periods start a new one.
    factories.CheckInFactory(author=quiet, period_start=datetime.date(2026, 11, 23))
    send_due_reminders(now=NOW + 14 * DAY)
    assert sent_to("quiet") == [facilitator.email]
    send_due_reminders(now=NOW + 28 * DAY)
    assert sent_to("quiet") == [facilitator.email] * 2


def test_two_missed_sessions_are_told_as_their_own_spell(cohort, facilitator, participant):
    absent = _long_time_member(cohort, participant)
    factories.CheckInFactory(author=absent, period_start=datetime.date(2026, 11, 9))
    for days_ago in (14, 7):
        factories.CohortSessionFactory(
            cohort=cohort,
            title=f"Session of {days_ago} days ago",
            starts_at=NOW - days_ago * DAY,
            status=CohortSession.Status.ENDED,
        )

    send_due_reminders(now=NOW)

    assert sent_to("quiet") == [facilitator.email]
    body = next(m for m in mail.outbox if kind_of(m) == "quiet").body
    assert "was not at the last 2 sessions" in body
    assert "Session of 14 days ago, Wednesday 4 November 2026, 13:00 (Europe/Paris)" in body


# At most once, and retried ----------------------------------------------------


def test_two_interleaved_runs_send_each_reminder_once(room, cohort, monkeypatch):
    """The second run starts and finishes while the first is about to claim
    its first reminder: the first then finds every claim taken."""
    session_at(cohort, NOW + 2 * HOUR)
    claim = reminders._claim
    second_run = []

    def claim_after_another_run(item, earlier):
        if not second_run:
            second_run.append(None)
            second_run[0] = send_due_reminders(now=NOW)
        return claim(item, earlier)

    monkeypatch.setattr(reminders, "_claim", claim_after_another_run)
    first = send_due_reminders(now=NOW)

    assert sent_to("session") == sorted(room)
    assert sum(second_run[0].sent.values()) == 3
    assert sum(first.sent.values()) == 0 and first.already_claimed == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_on_postgresql_send_each_reminder_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: the PostgreSQL pass runs it")
    cohort = factories.CohortFactory(
        starts_on=datetime.date(2026, 9, 7), ends_on=datetime.date(2027, 3, 1)
    )
    members = {factories.MembershipFactory(cohort=cohort).user.email for _ in range(4)}
    session = session_at(cohort, NOW + 2 * HOUR)
    members.add(session.created_by.email)
    barrier = threading.Barrier(2, timeout=30)
    claim = reminders._claim
    waited = threading.local()

    def claim_together(item, earlier):
        # Both runs have read what is claimed (nothing) before either claims.
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return claim(item, earlier)

    monkeypatch.setattr(reminders, "_claim", claim_together)
    summaries, errors = [], []

    def run():
        try:
            summaries.append(send_due_reminders(now=NOW))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sent_to("session") == sorted(members)
    assert sum(sum(s.sent.values()) for s in summaries) == len(members)
    assert sum(s.already_claimed for s in summaries) == len(members)


def test_a_crash_after_sending_never_sends_that_reminder_again(room, cohort, monkeypatch):
    session_at(cohort, NOW + 2 * HOUR)

    def crash(claim_id):
        raise RuntimeError("the process died before recording")

    monkeypatch.setattr(reminders, "_record_sent", crash)
    with pytest.raises(RuntimeError):
        send_due_reminders(now=NOW)
    monkeypatch.undo()
    (first,) = mail.outbox
    send_due_reminders(now=NOW + MINUTE)
    send_due_reminders(now=NOW + 2 * MINUTE)

    assert sent_to("session") == sorted(room)  # the first one not again
    claim = SentReminder.objects.get(user__email=first.to[0])
    assert (claim.sent_at, claim.failed_at) == (None, None)


def test_a_failing_mail_server_is_retried_on_the_next_run_then_sent_once(
    room, cohort, monkeypatch
):
    session_at(cohort, NOW + 2 * HOUR)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    failing = send_due_reminders(now=NOW)
    monkeypatch.undo()
    assert mail.outbox == [] and failing.failed["session"] == 3
    failed = SentReminder.objects.filter(failed_at__isnull=False, sent_at__isnull=True)
    assert failed.count() == 3
    assert failed.first().last_error.startswith("SMTPServerDisconnected")

    retried = send_due_reminders(now=NOW + 5 * MINUTE)
    send_due_reminders(now=NOW + 10 * MINUTE)

    assert retried.sent["session"] == 3
    assert sent_to("session") == sorted(room)
    assert set(SentReminder.objects.values_list("attempts", "failed_at")) == {(2, None)}


def test_a_reminder_refused_every_time_is_given_up(room, cohort, monkeypatch):
    session_at(cohort, NOW + 2 * HOUR)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    for n in range(reminders.MAX_ATTEMPTS):
        assert send_due_reminders(now=NOW + n * MINUTE).failed["session"] == 3
    monkeypatch.undo()

    summary = send_due_reminders(now=NOW + 20 * MINUTE)

    assert mail.outbox == [] and summary.already_claimed == 3


def test_a_title_with_a_line_break_still_makes_a_one_line_subject(room, cohort):
    session_at(cohort, NOW + 2 * HOUR)
    CohortSession.objects.update(title="Giving\nfeedback")  # saved before titles were one line

    summary = send_due_reminders(now=NOW)

    # The subject is made one line, so the email is still written and sent.
    assert summary.unwritable == 0 and sent_to("session") == sorted(room)
    assert "\n" not in mail.outbox[0].subject


# Preferences and unsubscribe ---------------------------------------------------


def test_a_kind_turned_off_is_not_sent_and_the_others_are(room, cohort, participant):
    factories.EmailOptOutFactory(user=participant, kind=ReminderKind.SESSION)
    session_at(cohort, SATURDAY_9_PARIS + 2 * HOUR)

    summary = send_due_reminders(now=SATURDAY_9_PARIS)

    assert participant.email not in sent_to("session")
    assert len(sent_to("session")) == 2
    assert participant.email in sent_to("checkin")
    assert summary.turned_off == 1


def test_each_email_has_text_and_html_with_the_link_and_one_click_headers(
    room, cohort, participant
):
    session = session_at(cohort, NOW + 2 * HOUR)

    send_due_reminders(now=NOW)

    message = next(m for m in mail.outbox if m.to == [participant.email])
    link = "http://localhost" + reverse("board:detail", args=[session.pk])
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    assert link in message.body and f'href="{link}"' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost/emails/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body and unsubscribe.strip("<>") in html
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_times_are_shown_in_the_recipients_zone_else_the_cohorts(room, cohort, participant):
    participant.time_zone = "Asia/Tokyo"
    participant.save()
    session_at(cohort, datetime.datetime(2026, 11, 18, 17, 30, tzinfo=datetime.UTC))

    send_due_reminders(now=NOW)

    by_recipient = {message.to[0]: message for message in mail.outbox}
    tokyo = by_recipient[participant.email]
    assert "Thursday 19 November 2026, 02:30 (Asia/Tokyo)" in tokyo.body
    paris = by_recipient["p2@acme.test"]
    assert "Wednesday 18 November 2026, 18:30 (Europe/Paris)" in paris.body


def _unsubscribe_path(user, kind):
    return reverse(
        "notifications:unsubscribe", args=[preferences.unsubscribe_token(user.pk, kind)]
    )


def test_unsubscribe_get_shows_one_button_and_changes_nothing(client, participant):
    response = client.get(_unsubscribe_path(participant, ReminderKind.SESSION))

    assert response.status_code == 200
    assert b"Turn off \xe2\x80\x9cSession reminders\xe2\x80\x9d emails" in response.content
    assert b"turn them back on" in response.content
    assert not EmailOptOut.objects.exists()


def test_unsubscribe_post_without_login_turns_off_exactly_that_kind(client, participant):
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True)  # as a mail client posts: no cookie, no token
    path = _unsubscribe_path(participant, ReminderKind.CHECKIN)

    response = one_click.post(path, {"List-Unsubscribe": "One-Click"})
    again = one_click.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == again.status_code == 200
    assert b"now off" in response.content
    assert list(EmailOptOut.objects.values_list("user", "kind")) == [
        (participant.pk, ReminderKind.CHECKIN)
    ]
    assert preferences.enabled_kinds(participant) == set(ReminderKind.values) - {"checkin"}


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token[: len(token) // 2],  # cut
        lambda token: signing.dumps([1, "session"], salt="another.salt"),  # another salt
        lambda token: "garbage",
    ],
    ids=["changed", "cut", "other-salt", "garbage"],
)
def test_a_forged_or_garbled_unsubscribe_token_changes_nothing(client, participant, forge):
    token = forge(preferences.unsubscribe_token(participant.pk, ReminderKind.SESSION))
    path = reverse("notifications:unsubscribe", args=[token])

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert b"does not work" in response.content
    assert not EmailOptOut.objects.exists()


def test_a_token_for_another_kind_or_person_cannot_be_made_from_one(
    participant, other_participant
):
    token = preferences.unsubscribe_token(participant.pk, ReminderKind.SESSION)
    value, signature = token.rsplit(":", 1)
    other = preferences.unsubscribe_token(other_participant.pk, ReminderKind.SESSION)
    swapped = other.rsplit(":", 1)[0] + ":" + signature

    assert preferences.read_unsubscribe_token(token).user == participant
    assert preferences.read_unsubscribe_token(swapped) is None


def test_the_link_in_an_email_unsubscribes_its_recipient_from_its_kind(room, cohort, client):
    session_at(cohort, NOW + 2 * HOUR)
    send_due_reminders(now=NOW)
    message = mail.outbox[0]

    client.post(
        message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    )

    assert list(EmailOptOut.objects.values_list("user__email", "kind")) == [
        (message.to[0], "session")
    ]


# The command and its cost ------------------------------------------------------


def test_the_command_sends_what_is_due_now_and_prints_the_counts():
    """At the real present: a cohort whose participant has checked in."""
    participant = factories.MembershipFactory()
    factories.CheckInFactory(author=participant)
    session_at(participant.cohort, timezone.now() + 2 * HOUR)
    out = StringIO()

    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=out)

    first, second = out.getvalue().splitlines()
    assert first.startswith("Sent 2 reminder(s) (session: 2, checkin: 0, agenda: 0, quiet: 0)")
    assert "Failed 0" in first
    assert second.startswith("Sent 0 reminder(s)") and "Already claimed: 2." in second


def grow(acme, size):
    """`size` active cohorts, each with a facilitator, three participants (one
    quiet), a session tomorrow, one in two days with the default agenda, and
    its check-in due."""
    for _n in range(size):
        cohort = factories.CohortFactory(
            organization=acme,
            starts_on=datetime.date(2026, 9, 7),
            ends_on=datetime.date(2027, 3, 1),
            time_zone="Europe/Paris",
        )
        factories.MembershipFactory(cohort=cohort, role=Membership.Role.FACILITATOR)
        people = [factories.MembershipFactory(cohort=cohort) for _ in range(3)]
        Membership.objects.filter(pk=people[0].pk).update(joined_at=JOINED_LONG_AGO)
        factories.CheckInFactory(author=people[1], period_start=datetime.date(2026, 11, 16))
        session_at(cohort, SATURDAY_9_PARIS + 20 * HOUR)
        factories.CohortSessionFactory(cohort=cohort, starts_at=SATURDAY_9_PARIS + 2 * DAY)


def test_a_run_costs_a_fixed_number_of_queries_plus_a_fixed_number_per_email(acme):
    counts = []
    for added in (1, 4):  # one cohort, then five
        SentReminder.objects.all().delete()
        grow(acme, added)
        with CaptureQueriesContext(connection) as sending:
            summary = send_due_reminders(now=SATURDAY_9_PARIS)
        with CaptureQueriesContext(connection) as idle:
            assert sum(send_due_reminders(now=SATURDAY_9_PARIS).sent.values()) == 0
        counts.append((len(sending), len(idle), sum(summary.sent.values())))

    (sending_small, idle_small, sent_small), (sending_big, idle_big, sent_big) = counts
    assert sent_big == 5 * sent_small > 0
    # All four kinds are in the run.
    assert set(summary.sent) == set(ReminderKind.values)
    assert idle_small == idle_big
    per_email = (sending_small - idle_small) / sent_small
    assert per_email == (sending_big - idle_big) / sent_big <= 4


def test_the_admin_lists_claims_and_opt_outs_read_only(client, participant):
    factories.SentReminderFactory(user=participant)
    factories.SentReminderFactory(user=participant, failed=True)
    factories.EmailOptOutFactory(user=participant)
    client.force_login(
        factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    )

    for model in ("sentreminder", "emailoptout"):
        url = reverse(f"admin:notifications_{model}_changelist")
        assert client.get(url).status_code == 200, url
    claim = SentReminder.objects.filter(failed_at__isnull=False).get()
    change = client.get(reverse("admin:notifications_sentreminder_change", args=[claim.pk]))
    assert change.status_code == 200 and b"SMTPServerDisconnected" in change.content
    assert client.get(reverse("admin:notifications_sentreminder_add")).status_code == 403


def test_an_unsubscribe_link_is_masked_in_logs(client, participant, caplog):
    """A bad token answers 400, which Django logs with the path: masked."""
    from lib.logs import MASK, compile_patterns, mask

    token = preferences.unsubscribe_token(participant.pk, ReminderKind.SESSION)
    path = reverse("notifications:unsubscribe", args=[token])
    assert token not in mask(path, compile_patterns(settings.SECRET_URL_PATTERNS))
    assert MASK in mask(path, compile_patterns(settings.SECRET_URL_PATTERNS))

    client.get(reverse("notifications:unsubscribe", args=[token + "x"]))

    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)


def test_an_email_the_mail_library_refuses_is_skipped_unclaimed(room, cohort, other_participant):
    from accounts.models import User

    User.objects.filter(pk=other_participant.pk).update(email="p2@acme.test\nBcc: x@evil.test")
    session_at(cohort, NOW + 2 * HOUR)

    summary = send_due_reminders(now=NOW)

    assert summary.unwritable == 1 and len(sent_to("session")) == 2
    assert not SentReminder.objects.filter(user=other_participant).exists()


def test_a_claim_left_without_outcome_says_so_in_the_admin(room, cohort):
    """A run that died between claiming and recording leaves a row that is
    never retried; after ten minutes the admin calls it what it is."""
    from notifications.models import SentReminder

    fresh = SentReminder(claimed_at=timezone.now())
    stale = SentReminder(claimed_at=timezone.now() - datetime.timedelta(minutes=11))
    sent = SentReminder(claimed_at=stale.claimed_at, sent_at=timezone.now())

    assert str(fresh.state) == "claimed"
    assert str(stale.state) == "no outcome: perhaps sent, never retried"
    assert str(sent.state) == "sent"
