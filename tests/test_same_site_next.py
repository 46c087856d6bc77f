"""A posted `next` sends the browser back only to a path on this site; any other
value falls back to the page's default, never to a 500 or another site."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Invitation
from lib.urls import same_site_path
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = [
    "x",  # a bare word: redirect() would reverse it as a URL name
    "cohorts:home",  # a URL name: not a path
    "roster",
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "/ok\nSet-Cookie: x=1",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " /leading-space/",
    "",
]


@pytest.mark.parametrize("value", REFUSED)
def test_a_value_that_is_not_a_same_site_path_is_refused(value):
    assert same_site_path(value) is None


@pytest.mark.parametrize("value", ["/", "/organizations/1/", "/cohorts/3/roster/?page=2#x"])
def test_a_same_site_path_is_kept(value):
    assert same_site_path(value) == value


def test_none_is_refused():
    assert same_site_path(None) is None


@pytest.fixture
def pending(cohort):
    return factories.InvitationFactory(
        cohort=cohort, sent_at=timezone.now() - datetime.timedelta(hours=1)
    )


@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
@pytest.mark.parametrize("value", REFUSED)
def test_revoke_and_resend_fall_back_to_the_roster(
    client, cohort, hr_admin, pending, action, value
):
    client.force_login(hr_admin)
    response = client.post(
        reverse(f"cohorts:{action}", args=[cohort.pk, pending.pk]), {"next": value}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cohorts:roster", args=[cohort.pk])
    pending.refresh_from_db()
    if action == "invitation_revoke":
        assert pending.revoked_at is not None
    else:
        assert pending.send_count == 2


@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
def test_revoke_and_resend_go_back_to_a_same_site_path(
    client, acme, cohort, hr_admin, pending, action
):
    client.force_login(hr_admin)
    back = reverse("cohorts:organization", args=[acme.pk]) + "?tab=invitations"
    response = client.post(
        reverse(f"cohorts:{action}", args=[cohort.pk, pending.pk]), {"next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back


def test_a_refused_revoke_with_a_bad_next_still_answers_with_the_roster(
    client, cohort, hr_admin, participant
):
    """The refusal's message shows on the roster; the invitation stays as it was."""
    accepted = factories.InvitationFactory(
        cohort=cohort, accepted_at=timezone.now(), accepted_by=participant
    )
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invitation_revoke", args=[cohort.pk, accepted.pk]),
        {"next": "x"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("cohorts:roster", args=[cohort.pk]), 302)]
    assert "already accepted" in response.content.decode()
    assert Invitation.objects.get(pk=accepted.pk).revoked_at is None
