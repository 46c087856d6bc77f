"""The Django admin keeps anonymous reflections anonymous: no author on
their page, no filtering by author, and no listing under their author when a
person, a membership or a cohort is deleted."""

import pytest
from django.urls import reverse

from board import services
from board.models import Reflection
from board.rules import access_session
from cohorts.models import Membership
from tests import factories
from tests.board_helpers import live_session, post

pytestmark = pytest.mark.django_db

SECRET = "I am scared of this reorganisation"
NAMED = "I will ask for help this week"


@pytest.fixture
def operator(client):
    """A superuser of the platform, signed in to the admin."""
    user = factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def reflections(cohort, facilitator, participant):
    """One named and one anonymous reflection by the same participant."""
    session = live_session(cohort, facilitator)
    named = post(session, participant, NAMED)
    phase = session.phases.get(kind="discussion")
    services.update_phase(
        access=access_session(facilitator, session.pk),
        phase_id=phase.pk,
        kind=phase.kind,
        title=phase.title,
        prompt=phase.prompt,
        timebox_minutes=phase.timebox_minutes,
        anonymous=True,
    )
    services.goto_phase(access=access_session(facilitator, session.pk), phase_id=phase.pk)
    anonymous = post(session, participant, SECRET)
    assert anonymous.anonymous and not named.anonymous
    return named, anonymous


def test_an_anonymous_reflections_page_has_no_author(client, operator, participant, reflections):
    named, anonymous = reflections
    membership = Membership.objects.get(user=participant)
    page = client.get(reverse("admin:board_reflection_change", args=[anonymous.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET in text
    assert 'name="author"' not in text
    assert participant.email not in text and participant.display_name not in text
    assert f'name="author" value="{membership.pk}"' not in text
    assert reverse("admin:cohorts_membership_change", args=[membership.pk]) not in text
    named_page = client.get(reverse("admin:board_reflection_change", args=[named.pk]))
    assert 'name="author"' in named_page.content.decode()


def test_saving_an_anonymous_reflection_in_the_admin_keeps_its_author(
    client, operator, participant, reflections
):
    _named, anonymous = reflections
    page = client.get(reverse("admin:board_reflection_change", args=[anonymous.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["text"] = "Edited by the operator"
    response = client.post(reverse("admin:board_reflection_change", args=[anonymous.pk]), data)
    assert response.status_code == 302
    anonymous.refresh_from_db()
    assert anonymous.text == "Edited by the operator"
    assert anonymous.author.user == participant


@pytest.mark.parametrize("lookup", ["author", "author__id__exact", "author__user__email"])
def test_reflections_cannot_be_filtered_by_author(
    client, operator, participant, reflections, lookup
):
    membership = Membership.objects.get(user=participant)
    value = participant.email if lookup.endswith("email") else membership.pk
    response = client.get(
        reverse("admin:board_reflection_changelist"), {lookup: value, "anonymous__exact": 1}
    )
    assert response.status_code == 400


def delete_page(client, model_admin_url, pk) -> str:
    response = client.get(reverse(model_admin_url, args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("what", ["membership", "user", "cohort"])
def test_deleting_a_person_lists_their_named_reflections_only(
    client, operator, cohort, participant, reflections, what
):
    membership = Membership.objects.get(user=participant)
    url, pk = {
        "membership": ("admin:cohorts_membership_delete", membership.pk),
        "user": ("admin:accounts_user_delete", participant.pk),
        "cohort": ("admin:cohorts_cohort_delete", cohort.pk),
    }[what]
    text = delete_page(client, url, pk)
    assert NAMED in text
    assert SECRET not in text
    named, anonymous = reflections
    assert reverse("admin:board_reflection_change", args=[anonymous.pk]) not in text
    if what == "cohort":
        # Its sessions' phases protect their reflections: the page lists what
        # stands in the way, the anonymous one unnamed.
        assert "Cannot delete cohort" in text
        assert "Anonymous items among these are not listed." in text
    else:
        assert "Anonymous items among these are deleted too, but not listed." in text
        # The counts leave the anonymous one out too.
        assert "Reflections: 1" in text


def test_deleting_still_deletes_the_anonymous_reflections(
    client, operator, participant, reflections
):
    membership = Membership.objects.get(user=participant)
    response = client.post(
        reverse("admin:cohorts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Reflection.objects.filter(author=membership).exists()


def test_a_deletion_without_reflections_says_nothing_of_anonymous_items(
    client, operator, other_participant
):
    membership = Membership.objects.get(user=other_participant)
    text = delete_page(client, "admin:cohorts_membership_delete", membership.pk)
    assert "Anonymous items" not in text
