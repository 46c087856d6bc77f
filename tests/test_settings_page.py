"""The settings page: profile, which reminder emails to receive, and the
calendar link; each section saves on its own and says "Saved."."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from notifications.models import EmailOptOut, ReminderKind
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/settings/"


@pytest.fixture
def person(participant, client):
    """A signed-in participant."""
    client.force_login(participant)
    return participant


def test_the_page_is_at_settings_and_needs_a_login(client):
    assert reverse("notifications:settings") == URL

    response = client.get(URL)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_page_has_profile_emails_and_calendar_and_the_header_links_to_it(client, person):
    response = client.get(URL)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for heading in ("Profile", "Emails", "Calendar"):
        assert f'">{heading}</h2>' in html
    assert f'href="{URL}">Settings</a>' in html
    assert 'value="Pat One"' in html
    # Every kind is on until turned off, each with its sentence.
    for kind in ReminderKind:
        assert f'name="emails-{kind.value}" id="id_emails-{kind.value}" checked' in html
        assert str(kind.label) in html
    assert response.context["calendar_feed_url"] in html
    assert "/calendar/" in response.context["calendar_feed_url"]


def test_saving_the_profile_changes_name_and_zone_and_says_saved(client, person):
    response = client.post(
        URL,
        {
            "section": "profile",
            "profile-display_name": "  Pat Renamed ",
            "profile-time_zone": "Europe/Paris",
        },
        follow=True,
    )

    person.refresh_from_db()
    assert (person.display_name, person.time_zone) == ("Pat Renamed", "Europe/Paris")
    assert response.redirect_chain == [(URL, HTTPStatus.FOUND)]
    assert "Saved." in response.content.decode()


def test_the_zone_may_follow_the_browser(client, person):
    User.objects.filter(pk=person.pk).update(time_zone="Asia/Tokyo")

    client.post(
        URL, {"section": "profile", "profile-display_name": "Pat One", "profile-time_zone": ""}
    )

    person.refresh_from_db()
    assert person.time_zone == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"profile-display_name": "Pat\nOne", "profile-time_zone": ""},
        {"profile-display_name": "", "profile-time_zone": ""},
        {"profile-display_name": "Pat", "profile-time_zone": "Mars/Olympus"},
    ],
    ids=["two-lines", "blank-name", "unknown-zone"],
)
def test_a_refused_profile_says_why_and_changes_nothing(client, person, fields):
    response = client.post(URL, {"section": "profile", **fields})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'class="errorlist"' in response.content.decode()
    assert "Saved." not in response.content.decode()
    person.refresh_from_db()
    assert (person.display_name, person.time_zone) == ("Pat One", "")
    # The header keeps the saved name, not the refused one.
    assert ">Pat One</a>" in response.content.decode()


def test_saving_emails_keeps_exactly_the_ticked_kinds_on(client, person):
    response = client.post(
        URL, {"section": "emails", "emails-session": "on", "emails-quiet": "on"}, follow=True
    )

    assert "Saved." in response.content.decode()
    assert set(EmailOptOut.objects.filter(user=person).values_list("kind", flat=True)) == {
        "checkin",
        "agenda",
    }
    html = response.content.decode()
    assert 'id="id_emails-checkin" checked' not in html
    assert 'id="id_emails-session" checked' in html

    client.post(URL, {"section": "emails", **{f"emails-{k}": "on" for k in ReminderKind.values}})

    assert not EmailOptOut.objects.filter(user=person).exists()


def test_saving_emails_touches_nobody_else(client, person, other_participant):
    factories.EmailOptOutFactory(user=other_participant, kind=ReminderKind.SESSION)

    client.post(URL, {"section": "emails"})

    assert EmailOptOut.objects.filter(user=person).count() == len(ReminderKind.values)
    assert list(EmailOptOut.objects.filter(user=other_participant).values_list("kind")) == [
        ("session",)
    ]


def test_saving_one_section_leaves_the_other_as_it_was(client, person):
    factories.EmailOptOutFactory(user=person, kind=ReminderKind.CHECKIN)

    client.post(
        URL,
        {"section": "profile", "profile-display_name": "Pat Two", "profile-time_zone": ""},
    )

    assert list(EmailOptOut.objects.filter(user=person).values_list("kind", flat=True)) == [
        "checkin"
    ]


def test_a_post_naming_no_section_changes_nothing(client, person):
    response = client.post(URL, {"profile-display_name": "Someone Else"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    person.refresh_from_db()
    assert person.display_name == "Pat One"
    assert not EmailOptOut.objects.exists()
