"""Every `access_*` of every rule book refuses alike.

A missing id, another organization's object and a forbidden one all raise the
same Http404, with the same message (`cohorts.permissions.not_found`): ids
reveal nothing. The functions are found by introspection, so a new `access_*`
without a case here fails `test_every_access_function_has_a_case`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from board import rules as board_rules
from board.models import AgendaTemplate
from cohorts import permissions
from cohorts.models import Membership
from goals import rules as goals_rules
from goals.models import Goal
from tests import factories
from tests.board_helpers import scheduled_session
from tests.goals_support import checkin, personal_goal

RULE_BOOKS = [permissions, board_rules, goals_rules]

MISSING = 999_999
SCENARIOS = ["missing", "foreign", "forbidden"]


def access_functions() -> dict[str, object]:
    """name -> function, for every `access_*` defined in a rule book."""
    found = {}
    for book in RULE_BOOKS:
        for name, function in inspect.getmembers(book, inspect.isfunction):
            if name.startswith("access_") and function.__module__ == book.__name__:
                found[name] = function
    return found


@dataclass(frozen=True)
class Call:
    args: tuple
    kwargs: dict


def call(*args, **kwargs) -> Call:
    return Call(args, kwargs)


@dataclass
class World:
    """Acme's cohort with its people, and the same things in Globex."""

    acme: object
    globex: object
    cohort: object
    other_cohort: object  # another cohort of Acme's
    globex_cohort: object
    facilitator: object
    participant: object
    other_participant: object
    leader: object
    hr_admin: object
    outsider: object
    globex_user: object
    globex_participant: object
    things: dict  # what each case needs: notes, invitations, memberships...

    def membership(self, user, cohort=None) -> Membership:
        return Membership.objects.get(user=user, cohort=cohort or self.cohort)

    def access(self, user):
        return permissions.access_cohort(user, self.cohort.pk)


@pytest.fixture
def world(
    acme,
    globex,
    cohort,
    facilitator,
    participant,
    other_participant,
    leader,
    hr_admin,
    outsider,
    globex_user,
) -> World:
    globex_cohort = Membership.objects.get(user=globex_user).cohort
    globex_participant = factories.UserFactory(email="p@globex.test")
    factories.MembershipFactory(cohort=globex_cohort, user=globex_participant)
    other_cohort = factories.CohortFactory(organization=acme, name="Other Acme cohort")
    other_member = factories.UserFactory(email="other@acme.test")
    factories.MembershipFactory(cohort=other_cohort, user=other_member)
    things = {
        "acme_invitation": factories.InvitationFactory(cohort=cohort, invited_by=hr_admin),
        "globex_invitation": factories.InvitationFactory(cohort=globex_cohort),
        "other_cohort_membership": Membership.objects.get(user=other_member),
        "hr_cohort_note": factories.BackgroundNoteFactory(
            organization=acme, cohort=cohort, author=hr_admin
        ),
        "hr_organization_note": factories.BackgroundNoteFactory(
            organization=acme, author=hr_admin
        ),
        "globex_cohort_note": factories.BackgroundNoteFactory(
            organization=globex, cohort=globex_cohort, author=globex_user
        ),
        "globex_organization_note": factories.BackgroundNoteFactory(
            organization=globex, author=globex_user
        ),
    }
    things |= {
        "session": scheduled_session(cohort, facilitator),
        "globex_session": scheduled_session(globex_cohort, globex_user),
        "template": AgendaTemplate.objects.create(owner=facilitator, organization=acme, name="T"),
        "globex_template": AgendaTemplate.objects.create(
            owner=globex_user, organization=globex, name="T"
        ),
        "private_goal": personal_goal(cohort, participant, visibility=Goal.Visibility.PRIVATE),
        "globex_goal": personal_goal(
            globex_cohort, globex_participant, visibility=Goal.Visibility.COHORT
        ),
        "checkin": checkin(cohort, participant, period_start=cohort.starts_on),
        "globex_checkin": checkin(
            globex_cohort, globex_participant, period_start=globex_cohort.starts_on, shared=True
        ),
    }
    return World(
        acme=acme,
        globex=globex,
        cohort=cohort,
        other_cohort=other_cohort,
        globex_cohort=globex_cohort,
        facilitator=facilitator,
        participant=participant,
        other_participant=other_participant,
        leader=leader,
        hr_admin=hr_admin,
        outsider=outsider,
        globex_user=globex_user,
        globex_participant=globex_participant,
        things=things,
    )


# Each case returns one call per scenario: "allowed" (which must succeed, so
# that the refusals are about their scenario alone), "missing", "foreign"
# (another organization's object) and "forbidden" (one the user may not have).


def _cohort_case(allowed, forbidden):
    """A function of (user, cohort id), allowed to one role, not to another."""

    def case(w: World) -> dict[str, Call]:
        return {
            "allowed": call(getattr(w, allowed), w.cohort.pk),
            "missing": call(getattr(w, allowed), MISSING),
            "foreign": call(getattr(w, allowed), w.globex_cohort.pk),
            "forbidden": call(getattr(w, forbidden), w.cohort.pk),
        }

    return case


def _organization_admin(w: World) -> dict[str, Call]:
    return {
        "allowed": call(w.hr_admin, w.acme.pk),
        "missing": call(w.hr_admin, MISSING),
        "foreign": call(w.hr_admin, w.globex.pk),
        "forbidden": call(w.facilitator, w.acme.pk),
    }


def _cohort_membership(w: World) -> dict[str, Call]:
    manager = w.access(w.facilitator)
    return {
        "allowed": call(manager, w.membership(w.participant).pk),
        "missing": call(manager, MISSING),
        "foreign": call(manager, w.membership(w.globex_participant, w.globex_cohort).pk),
        # Another cohort's member, of the same organization.
        "forbidden": call(manager, w.things["other_cohort_membership"].pk),
    }


def _own_participation(w: World) -> dict[str, Call]:
    own = w.membership(w.participant).pk
    globex_own = w.membership(w.globex_participant, w.globex_cohort).pk
    return {
        "allowed": call(w.participant, w.cohort.pk, own),
        "missing": call(w.participant, w.cohort.pk, MISSING),
        "foreign": call(w.participant, w.globex_cohort.pk, globex_own),
        # The cohort's facilitator answering for the participant.
        "forbidden": call(w.facilitator, w.cohort.pk, own),
    }


def _cohort_invitation(w: World) -> dict[str, Call]:
    invitation = w.things["acme_invitation"].pk
    return {
        "allowed": call(w.access(w.facilitator), invitation),
        "missing": call(w.access(w.facilitator), MISSING),
        "foreign": call(w.access(w.facilitator), w.things["globex_invitation"].pk),
        "forbidden": call(w.access(w.participant), invitation),
    }


def _background_note(w: World) -> dict[str, Call]:
    note = w.things["hr_cohort_note"].pk
    return {
        "allowed": call(w.hr_admin, w.cohort.pk, note),
        "missing": call(w.hr_admin, w.cohort.pk, MISSING),
        "foreign": call(w.hr_admin, w.cohort.pk, w.things["globex_cohort_note"].pk),
        # A coach never rewrites what HR told them.
        "forbidden": call(w.facilitator, w.cohort.pk, note),
    }


def _organization_note(w: World) -> dict[str, Call]:
    note = w.things["hr_organization_note"].pk
    return {
        "allowed": call(w.hr_admin, w.acme.pk, note),
        "missing": call(w.hr_admin, w.acme.pk, MISSING),
        "foreign": call(w.hr_admin, w.acme.pk, w.things["globex_organization_note"].pk),
        "forbidden": call(w.facilitator, w.acme.pk, note),
    }


def _session_case(forbidden):
    """A function of (user, session id), for the facilitator."""

    def case(w: World) -> dict[str, Call]:
        session = w.things["session"].pk
        return {
            "allowed": call(w.facilitator, session),
            "missing": call(w.facilitator, MISSING),
            "foreign": call(w.facilitator, w.things["globex_session"].pk),
            "forbidden": call(getattr(w, forbidden), session),
        }

    return case


def _agenda_template(w: World) -> dict[str, Call]:
    template = w.things["template"].pk
    return {
        "allowed": call(w.facilitator, template, organization_id=w.acme.pk),
        "missing": call(w.facilitator, MISSING, organization_id=w.acme.pk),
        "foreign": call(w.facilitator, w.things["globex_template"].pk, organization_id=w.acme.pk),
        # Someone else's template, asked for in its own organization.
        "forbidden": call(w.hr_admin, template, organization_id=w.acme.pk),
    }


def _goal(w: World) -> dict[str, Call]:
    goal = w.things["private_goal"].pk
    return {
        "allowed": call(w.participant, w.cohort.pk, goal),
        "missing": call(w.participant, w.cohort.pk, MISSING),
        "foreign": call(w.participant, w.cohort.pk, w.things["globex_goal"].pk),
        # A private goal, for the author's leader.
        "forbidden": call(w.leader, w.cohort.pk, goal),
    }


def _checkin(w: World) -> dict[str, Call]:
    entry = w.things["checkin"].pk
    return {
        "allowed": call(w.participant, w.cohort.pk, entry),
        "missing": call(w.participant, w.cohort.pk, MISSING),
        "foreign": call(w.participant, w.cohort.pk, w.things["globex_checkin"].pk),
        # Not shared with the cohort, and no partner round.
        "forbidden": call(w.other_participant, w.cohort.pk, entry),
    }


CASES = {
    # cohorts/permissions.py
    "access_cohort": _cohort_case("participant", "outsider"),
    "access_managed_cohort": _cohort_case("facilitator", "participant"),
    "access_roster": _cohort_case("participant", "leader"),
    "access_background": _cohort_case("facilitator", "participant"),
    "access_organization_admin": _organization_admin,
    "access_organization_dashboard": _organization_admin,
    "access_cohort_dashboard": _cohort_case("facilitator", "participant"),
    "access_cohort_membership": _cohort_membership,
    "access_own_participation": _own_participation,
    "access_cohort_invitation": _cohort_invitation,
    "access_background_note": _background_note,
    "access_organization_note": _organization_note,
    # board/rules.py
    "access_sessions": _cohort_case("participant", "leader"),
    "access_session_scheduling": _cohort_case("facilitator", "participant"),
    "access_session": _session_case("hr_admin"),
    "access_session_management": _session_case("participant"),
    "access_agenda_template": _agenda_template,
    # goals/rules.py
    "access_goals": _cohort_case("leader", "hr_admin"),
    "access_checkins": _cohort_case("participant", "leader"),
    "access_cohort_facilitation": _cohort_case("facilitator", "participant"),
    "access_goal": _goal,
    "access_checkin": _checkin,
}


def run(function, scenario: Call):
    return function(*scenario.args, **scenario.kwargs)


def test_every_access_function_has_a_case():
    functions = access_functions()
    assert {"access_cohort", "access_session", "access_goal"} <= set(functions)
    assert sorted(set(functions) - set(CASES)) == []
    assert sorted(set(CASES) - set(functions)) == []


def test_the_refusal_is_one_message_built_in_one_place():
    assert str(permissions.not_found()) == "No such page."
    built = {book.__name__: inspect.getsource(book).count("Http404(") for book in RULE_BOOKS}
    assert built == {book.__name__: int(book is permissions) for book in RULE_BOOKS}
    for name, function in access_functions().items():
        assert "PermissionDenied" not in inspect.getsource(function), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_access_function_refuses_missing_foreign_and_forbidden_alike(world, name):
    function = access_functions()[name]
    calls = CASES[name](world)
    run(function, calls["allowed"])
    messages = set()
    for scenario in SCENARIOS:
        with pytest.raises(Http404) as refused:
            run(function, calls[scenario])
        assert type(refused.value) is Http404, scenario
        messages.add(str(refused.value))
    assert messages == {str(permissions.not_found())}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_access_function_refuses_a_signed_out_visitor_and_a_malformed_id(world, name):
    """A function that takes a user refuses a signed-out one; any id may be junk."""
    function = access_functions()[name]
    allowed = CASES[name](world)["allowed"]
    first, *rest = allowed.args
    if not isinstance(first, permissions.CohortAccess):
        with pytest.raises(Http404, match=r"^No such page\.$"):
            run(function, call(AnonymousUser(), *rest, **allowed.kwargs))
    malformed = call(*allowed.args[:-1], "not-a-number", **allowed.kwargs)
    with pytest.raises(Http404, match=r"^No such page\.$"):
        run(function, malformed)
