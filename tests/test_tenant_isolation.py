"""Tenant isolation: every URL of the project, requested as every role.

A user without rights gets 404, exactly as if the object did not exist; an
anonymous visitor gets the login page. `test_every_url_pattern_has_a_route`
walks the URL resolver and fails when a URL pattern has no row in ROUTES, so a
new page cannot ship untested.

Skipped by rule, and only these (SKIPPED_PREFIXES):
- `admin/`: Django's admin, for staff only, behind its own login and model
  permissions; no organization member is staff.
- `accounts/`: allauth's pages (log in, sign up, password, email). Each is
  about the requesting person's own account and shows no organization data.

How to add a row: one `Route` per URL name, in the section of your feature.
- `kwargs` builds the URL's keyword arguments from the `World` (Acme, its
  cohort and its people, plus Globex); it may create objects with factories.
  It is called once per request, so a POST that deletes gets a fresh object.
- `allowed` names the roles that may use the URL (see ROLES); they get `ok`
  (200 by default; 302 for a POST that redirects). Every other signed-in role
  gets 404, and anonymous gets the login redirect.
- `method="post"` for POST-only URLs (sent with no data).
- `expect` overrides the status for given roles, e.g. for public pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from board import calendar as board_calendar
from cohorts.models import Membership
from goals import periods as goals_periods
from tests import board_helpers, factories, goals_support

SKIPPED_PREFIXES = ("admin/", "accounts/")

# Acme's roles around the cohort "Leading Through Change", another
# organization's user, and nobody.
ROLES = ("facilitator", "participant", "leader", "hr_admin", "outsider", "globex", "anonymous")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
COHORT_PEOPLE = frozenset({"facilitator", "participant", "leader", "hr_admin"})
ROOM = frozenset({"facilitator", "participant", "hr_admin"})  # roster readers
MANAGERS = frozenset({"facilitator", "hr_admin"})
HR = frozenset({"hr_admin"})


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    allowed: frozenset[str] = frozenset()
    method: str = "get"
    ok: int = 200
    expect: dict[str, int] = field(default_factory=dict)

    def expected_status(self, role: str) -> int | str:
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return "login"
        return self.ok if role in self.allowed else 404


# Session board helpers: sessions of the cohort in each state.
BOARD_ROOM = frozenset({"facilitator", "participant"})
FACILITATORS = frozenset({"facilitator"})


def _scheduled(w):
    return board_helpers.scheduled_session(w.cohort, w.users["facilitator"])


def _live(w):
    return board_helpers.live_session(w.cohort, w.users["facilitator"])


def _ended(w):
    return board_helpers.ended_session(w.cohort, w.users["facilitator"])


def _phase_kwargs(w):
    session = _scheduled(w)
    return {"session_id": session.pk, "phase_id": session.phases.last().pk}


def _membership(w, user):
    return Membership.objects.get(cohort=w.cohort, user=user).pk


# Goals, check-ins and partners (goals): members read; a participant's leader
# reads the goals shared with them; HR admins see none of it.
GOAL_READERS = frozenset({"facilitator", "participant", "leader"})
GOAL_WRITERS = frozenset({"facilitator", "participant"})
PARTICIPANT = frozenset({"participant"})


def _goal(w):
    """A draft personal goal of the participant, shared with their leader."""
    return goals_support.personal_goal(
        w.cohort, w.users["participant"], visibility="leader", status="draft"
    )


def _goal_kwargs(w):
    return {"cohort_id": w.cohort.pk, "goal_id": _goal(w).pk}


def _milestone_kwargs(w):
    goal = _goal(w)
    milestone = goal.milestones.create(position=1, title="First step")
    return {
        "cohort_id": w.cohort.pk,
        "goal_id": goal.pk,
        "milestone_id": milestone.pk,
        "action": "done",
    }


def _checkin_kwargs(w):
    rhythm = goals_periods.rhythm_for(w.cohort)
    entry = goals_support.checkin(
        w.cohort, w.users["participant"], period_start=goals_periods.current_period(rhythm).start
    )
    return {"cohort_id": w.cohort.pk, "checkin_id": entry.pk}


def _unsubscribe_token(w):
    from notifications.preferences import unsubscribe_token

    return unsubscribe_token(w.users["participant"].pk, "session")


def _partners_kwargs(w):
    goals_support.pair_up(w.cohort, [w.users["participant"]])
    return {"cohort_id": w.cohort.pk}


ROUTES = [
    # Operations ---------------------------------------------------------------
    Route("healthz", expect={role: 200 for role in ROLES}),
    # The scripts' translated strings: public, like any static file.
    Route("jsi18n", expect={role: 200 for role in ROLES}),
    # Invitations: the link is public (the token is the secret); a
    # signed-in person who is not the invitee gets a clear refusal.
    Route(
        "cohorts:invitation",
        kwargs=lambda w: {"token": w.invitation_token()},
        expect={**{role: 403 for role in SIGNED_IN}, "anonymous": 200},
    ),
    # Enrollment (cohorts) -----------------------------------------------------
    Route("cohorts:home", allowed=SIGNED_IN),
    # A person's own dashboards (what each holds: tests/test_home_dashboards.py),
    # and the HR dashboard's export.
    *(
        Route(name, allowed=SIGNED_IN)
        for name in (
            "insight:people",
            "insight:people_export",
            "insight:rhythm",
            "insight:rhythm_cohorts_export",
            "insight:rhythm_goals_export",
        )
    ),
    Route("insight:organization_export", lambda w: {"organization_id": w.acme.pk}, HR),
    Route("cohorts:organization", lambda w: {"organization_id": w.acme.pk}, HR),
    Route("cohorts:cohort_create", lambda w: {"organization_id": w.acme.pk}, HR),
    Route("cohorts:organization_notes", lambda w: {"organization_id": w.acme.pk}, HR),
    # The organization's audit trail (audit/).
    Route("audit:organization_changes", lambda w: {"organization_id": w.acme.pk}, HR),
    Route(
        "cohorts:organization_note_edit",
        lambda w: {"organization_id": w.acme.pk, "note_id": w.organization_note().pk},
        HR,
    ),
    Route(
        "cohorts:organization_note_delete",
        lambda w: {"organization_id": w.acme.pk, "note_id": w.organization_note().pk},
        HR,
        method="post",
        ok=302,
    ),
    Route("cohorts:detail", lambda w: {"cohort_id": w.cohort.pk}, COHORT_PEOPLE),
    Route("cohorts:edit", lambda w: {"cohort_id": w.cohort.pk}, MANAGERS),
    # The facilitator's dashboard and its downloads: the cohort's coaches only.
    Route("insight:cohort_dashboard", lambda w: {"cohort_id": w.cohort.pk}, FACILITATORS),
    Route(
        "insight:cohort_dashboard_export",
        lambda w: {"cohort_id": w.cohort.pk, "table": "attendance"},
        FACILITATORS,
    ),
    # The lifecycle's buttons: HR admins only (an empty form changes nothing).
    Route("cohorts:status", lambda w: {"cohort_id": w.cohort.pk}, HR, method="post", ok=302),
    Route("cohorts:roster", lambda w: {"cohort_id": w.cohort.pk}, ROOM),
    Route(
        "cohorts:set_leader",
        lambda w: {
            "cohort_id": w.cohort.pk,
            "membership_id": _membership(w, w.users["participant"]),
        },
        MANAGERS,
        method="post",
        ok=302,
    ),
    # The participant answers about the leader named for them: their own only.
    *(
        Route(
            name,
            lambda w: {
                "cohort_id": w.cohort.pk,
                "membership_id": _membership(w, w.users["participant"]),
            },
            frozenset({"participant"}),
            method="post",
            ok=302,
        )
        for name in ("cohorts:leader_confirm", "cohorts:leader_decline")
    ),
    Route("cohorts:invite", lambda w: {"cohort_id": w.cohort.pk}, MANAGERS),
    Route("cohorts:bulk_invite", lambda w: {"cohort_id": w.cohort.pk}, MANAGERS),
    Route(
        "cohorts:invitation_revoke",
        lambda w: {"cohort_id": w.cohort.pk, "invitation_id": w.invitation().pk},
        MANAGERS,
        method="post",
        ok=302,
    ),
    Route(
        "cohorts:invitation_resend",
        lambda w: {"cohort_id": w.cohort.pk, "invitation_id": w.invitation().pk},
        MANAGERS,
        method="post",
        ok=302,
    ),
    Route("cohorts:notes", lambda w: {"cohort_id": w.cohort.pk}, MANAGERS),
    # A note HR wrote: HR admins change it, the coach only reads it (a
    # coach's own notes are theirs to change: tests/test_background_note_changes.py).
    Route(
        "cohorts:note_edit",
        lambda w: {"cohort_id": w.cohort.pk, "note_id": w.cohort_note().pk},
        HR,
    ),
    Route(
        "cohorts:note_delete",
        lambda w: {"cohort_id": w.cohort.pk, "note_id": w.cohort_note().pk},
        HR,
        method="post",
        ok=302,
    ),
    # Session board (board): the cohort's facilitators and participants only;
    # leaders and HR admins get 404 like everyone else. POSTs sent with no
    # data answer 400 where a form or a direction is missing.
    Route("board:sessions", lambda w: {"cohort_id": w.cohort.pk}, BOARD_ROOM),
    Route("board:schedule", lambda w: {"cohort_id": w.cohort.pk}, FACILITATORS),
    Route("board:detail", lambda w: {"session_id": _scheduled(w).pk}, BOARD_ROOM),
    Route("board:edit", lambda w: {"session_id": _scheduled(w).pk}, FACILITATORS),
    Route(
        "board:cancel",
        lambda w: {"session_id": _scheduled(w).pk},
        FACILITATORS,
        method="post",
        ok=302,
    ),
    Route("board:event_ics", lambda w: {"session_id": _scheduled(w).pk}, BOARD_ROOM),
    # A calendar feed: calendar apps cannot sign in, so its token is the key.
    Route(
        "board:calendar_feed",
        lambda w: {"token": board_calendar.feed_token(w.users["participant"])},
        expect={role: 200 for role in ROLES},
    ),
    Route("notifications:calendar_reset", allowed=SIGNED_IN, method="post", ok=302),
    Route(
        "board:start",
        lambda w: {"session_id": _scheduled(w).pk},
        FACILITATORS,
        method="post",
        ok=302,
    ),
    Route("board:end", lambda w: {"session_id": _live(w).pk}, FACILITATORS, method="post", ok=302),
    Route("board:agenda", lambda w: {"session_id": _scheduled(w).pk}, FACILITATORS),
    Route(
        "board:phase_add",
        lambda w: {"session_id": _scheduled(w).pk},
        FACILITATORS,
        method="post",
        ok=400,
    ),
    Route("board:phase_edit", lambda w: _phase_kwargs(w), FACILITATORS),
    Route("board:phase_move", lambda w: _phase_kwargs(w), FACILITATORS, method="post", ok=400),
    Route("board:phase_remove", lambda w: _phase_kwargs(w), FACILITATORS, method="post", ok=302),
    Route(
        "board:template_save",
        lambda w: {"session_id": _scheduled(w).pk},
        FACILITATORS,
        method="post",
        ok=400,
    ),
    Route(
        "board:template_apply",
        lambda w: {"session_id": _scheduled(w).pk},
        FACILITATORS,
        method="post",
        ok=400,
    ),
    Route("board:board", lambda w: {"session_id": _live(w).pk}, BOARD_ROOM),
    Route("board:summary", lambda w: {"session_id": _ended(w).pk}, BOARD_ROOM),
    Route("board:summary_md", lambda w: {"session_id": _ended(w).pk}, BOARD_ROOM),
    Route("board:summary_csv", lambda w: {"session_id": _ended(w).pk}, BOARD_ROOM),
    # Goals, check-ins and partners (goals). POSTs sent with no data answer
    # 400 where a form is missing.
    Route("goals:list", lambda w: {"cohort_id": w.cohort.pk}, GOAL_READERS),
    Route("goals:new", lambda w: {"cohort_id": w.cohort.pk}, GOAL_WRITERS),
    Route("goals:export", lambda w: {"cohort_id": w.cohort.pk}, GOAL_READERS),
    Route("goals:detail", _goal_kwargs, GOAL_READERS),
    Route("goals:edit", _goal_kwargs, GOAL_WRITERS),
    Route("goals:agree", _goal_kwargs, GOAL_WRITERS, method="post", ok=302),
    Route("goals:status", _goal_kwargs, GOAL_WRITERS, method="post", ok=400),
    Route("goals:visibility", _goal_kwargs, PARTICIPANT, method="post", ok=400),
    Route("goals:progress", _goal_kwargs, GOAL_WRITERS, method="post", ok=400),
    Route("goals:note", _goal_kwargs, GOAL_READERS, method="post", ok=400),
    Route("goals:milestone_add", _goal_kwargs, GOAL_WRITERS, method="post", ok=400),
    Route("goals:milestone_action", _milestone_kwargs, GOAL_WRITERS, method="post", ok=302),
    Route("goals:commitment", _goal_kwargs, PARTICIPANT, method="post", ok=400),
    Route("goals:checkins", lambda w: {"cohort_id": w.cohort.pk}, BOARD_ROOM),
    Route(
        "goals:checkin_submit",
        lambda w: {"cohort_id": w.cohort.pk},
        PARTICIPANT,
        method="post",
        ok=400,
    ),
    Route("goals:checkins_export", lambda w: {"cohort_id": w.cohort.pk}, BOARD_ROOM),
    Route("goals:checkin", _checkin_kwargs, BOARD_ROOM),
    Route("goals:checkin_reply", _checkin_kwargs, BOARD_ROOM, method="post", ok=400),
    Route("goals:partners", lambda w: {"cohort_id": w.cohort.pk}, BOARD_ROOM),
    Route(
        "goals:partners_rotate",
        lambda w: {"cohort_id": w.cohort.pk},
        FACILITATORS,
        method="post",
        ok=302,
    ),
    Route("goals:partners_edit", _partners_kwargs, FACILITATORS, method="post", ok=400),
    Route("goals:rhythm", lambda w: {"cohort_id": w.cohort.pk}, FACILITATORS),
    # Reminders (notifications): everyone's own settings; the unsubscribe
    # link is public (its signed token is the key) and its GET changes nothing.
    Route("notifications:settings", allowed=SIGNED_IN),
    # A person's own data; HR's erasure requests for their organization.
    Route("privacy:export_json", allowed=SIGNED_IN),
    Route("privacy:export_zip", allowed=SIGNED_IN),
    Route("privacy:erasure_requests", lambda w: {"organization_id": w.acme.pk}, HR),
    Route(
        "notifications:unsubscribe",
        kwargs=lambda w: {"token": _unsubscribe_token(w)},
        expect={role: 200 for role in ROLES},
    ),
]


def _route_id(route: Route) -> str:
    return route.name


@pytest.fixture
def world(acme, globex, cohort, facilitator, participant, leader, hr_admin, outsider, globex_user):
    """Acme, its cohort and one person per role, plus Globex's user."""
    w = SimpleNamespace(
        acme=acme,
        globex=globex,
        cohort=cohort,
        users={
            "facilitator": facilitator,
            "participant": participant,
            "leader": leader,
            "hr_admin": hr_admin,
            "outsider": outsider,
            "globex": globex_user,
        },
    )
    w.invitation = lambda: factories.InvitationFactory(cohort=cohort)

    def invitation_token():
        """A pending invitation for someone who has no account yet."""
        factories.InvitationFactory(cohort=cohort, email="newcomer@acme.test", token="isolation")
        return "isolation"

    w.invitation_token = invitation_token
    w.organization_note = lambda: factories.BackgroundNoteFactory(organization=acme)
    w.cohort_note = lambda: factories.BackgroundNoteFactory(
        organization=acme, cohort=cohort, author=hr_admin
    )
    return w


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_url_answers_each_role_as_the_rules_say(client, world, route, role):
    url = reverse(route.name, kwargs=route.kwargs(world))
    if role != "anonymous":
        client.force_login(world.users[role])
    response = getattr(client, route.method)(url)
    expected = route.expected_status(role)
    if expected == "login":
        assert response.status_code == 302, (url, role)
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), (url, role)
    else:
        assert response.status_code == expected, (url, role, response.status_code)


def _url_names(resolver=None, prefix="", namespace=""):
    """(route, name, pattern) of every URL pattern, walking included resolvers."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _url_names(pattern, route, full or "")
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield route, name, pattern


def test_every_url_pattern_has_a_route():
    """Every URL outside admin/ and accounts/ has a row; every row names a real URL."""
    patterns = [
        (route, name)
        for route, name, _pattern in _url_names()
        if not route.startswith(SKIPPED_PREFIXES)
    ]
    unnamed = [route for route, name in patterns if not name]
    assert not unnamed, f"URL patterns need a name to be in ROUTES: {unnamed}"
    names = {name for _route, name in patterns}
    table = [route.name for route in ROUTES]
    assert len(table) == len(set(table)), "a URL name appears twice in ROUTES"
    missing = sorted(names - set(table))
    stale = sorted(set(table) - names)
    assert not missing, f"URLs without a row in tests/test_tenant_isolation.py: {missing}"
    assert not stale, f"rows for URLs that do not exist: {stale}"


def test_skipped_prefixes_hold_only_admin_and_allauth():
    """The skip rule covers exactly Django's admin and allauth's URLconf."""
    skipped = {
        str(pattern.pattern): pattern
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern).startswith(SKIPPED_PREFIXES)
    }
    assert set(skipped) == {"admin/", "accounts/"}
    assert skipped["admin/"].app_name == "admin"
    assert skipped["accounts/"].urlconf_module.__name__ == "allauth.urls"
