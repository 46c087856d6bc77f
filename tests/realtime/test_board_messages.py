"""Every client message of the board: what it does, and each way it is refused.

Each refusal checks that the board was left exactly as it was.
"""

import datetime
import uuid

import pytest
from channels.db import database_sync_to_async

from board import services
from board.models import Commitment, Reaction, Reflection
from board.rules import access_session
from tests.realtime.conftest import schedule_session, start_live, state
from tests.streams import BoardClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def coach(live_session, facilitator):
    client = await BoardClient.join(facilitator, live_session.pk)
    yield client
    await client.close()


@pytest.fixture
async def pat(live_session, participant):
    client = await BoardClient.join(participant, live_session.pk)
    yield client
    await client.close()


@pytest.fixture
async def robin(live_session, other_participant):
    client = await BoardClient.join(other_participant, live_session.pk)
    yield client
    await client.close()


def phase_id(client, kind):
    return next(p["id"] for p in client.snapshot["phases"] if p["kind"] == kind)


def current(client):
    return client.snapshot["session"]["current_phase"]


async def refused(client, session_id, code, type_, **fields):
    """Send a message that must be refused with `code`, changing nothing."""
    before = await state(session_id)
    reply = await client.request(type_, **fields)
    assert reply["type"] == "error", reply
    assert reply["code"] == code, reply
    assert reply["message"]
    assert await state(session_id) == before
    return reply


async def posted(client, text="A reflection", phase=None):
    reply = await client.request("reflection.post", phase=phase or current(client), text=text)
    assert reply["type"] == "ack", reply
    return reply["reflection"]


# reflection.post ------------------------------------------------------------------


async def test_post_is_stored_acked_and_broadcast(live_session, pat, robin, coach):
    client_id = await pat.send("reflection.post", phase=current(pat), text="I froze.")
    ack = await pat.reply(client_id)
    assert ack["type"] == "ack" and ack["client_id"] == client_id
    reflection = ack["reflection"]
    assert reflection["text"] == "I froze."
    assert reflection["mine"] is True and reflection["my_reactions"] == []
    assert reflection["author"]["name"] == "Pat One"
    assert reflection["edited"] is False and reflection["hidden"] is False

    event = await robin.until("reflection.posted")
    assert event["seq"] == 3
    assert event["reflection"]["id"] == reflection["id"]
    assert event["reflection"]["mine"] is False
    assert "my_reactions" not in event["reflection"] and "_author" not in event["reflection"]
    assert (await pat.until("reflection.posted"))["reflection"]["mine"] is True
    assert (await coach.until("reflection.posted"))["seq"] == 3
    stored = await database_sync_to_async(Reflection.objects.get)()
    assert str(stored.client_id) == client_id


async def test_markup_is_stored_and_sent_as_text(live_session, pat, robin):
    text = '<script>alert("x")</script><b>bold</b> & more'
    reflection = await posted(pat, text)
    assert reflection["text"] == text
    assert (await robin.until("reflection.posted"))["reflection"]["text"] == text
    assert (await database_sync_to_async(Reflection.objects.get)()).text == text


async def test_resent_post_is_acked_again_and_never_stored_twice(live_session, pat, robin):
    client_id = str(uuid.uuid4())
    fields = {"phase": current(pat), "text": "Only once"}
    first = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    await robin.until("reflection.posted")
    await robin.drain()
    again = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    assert again["type"] == "ack"
    assert again["reflection"]["id"] == first["reflection"]["id"]
    assert await database_sync_to_async(Reflection.objects.count)() == 1
    await robin.silent()


async def test_double_click_stores_one_post(live_session, pat, robin):
    client_id = str(uuid.uuid4())
    for _ in range(2):
        await pat.send("reflection.post", client_id=client_id, phase=current(pat), text="Twice")
    first, second = await pat.reply(client_id), await pat.reply(client_id)
    assert first["reflection"]["id"] == second["reflection"]["id"]
    assert await database_sync_to_async(Reflection.objects.count)() == 1
    await robin.until("reflection.posted")
    await robin.silent()


async def test_resend_after_the_board_locked_is_still_acked(live_session, pat, coach):
    client_id = str(uuid.uuid4())
    fields = {"phase": current(pat), "text": "Sent before the lock"}
    await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    await coach.request("posting.lock", locked=True)
    again = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    assert again["type"] == "ack"
    assert await database_sync_to_async(Reflection.objects.count)() == 1


async def test_text_of_exactly_1000_characters_is_accepted(live_session, pat):
    assert len((await posted(pat, "x" * 1000))["text"]) == 1000


async def test_text_over_1000_characters_is_refused(live_session, pat):
    await refused(
        pat, live_session.pk, "too_long", "reflection.post", phase=current(pat), text="x" * 1001
    )


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_text_is_refused(live_session, pat, text):
    await refused(pat, live_session.pk, "empty", "reflection.post", phase=current(pat), text=text)


async def test_post_to_a_missing_phase_is_refused(live_session, pat):
    await refused(pat, live_session.pk, "not_found", "reflection.post", phase=999999, text="Hi")


async def test_post_to_another_sessions_phase_is_refused(live_session, pat, cohort, facilitator):
    other = await database_sync_to_async(schedule_session)(cohort, facilitator, title="Another")
    other_phase = await database_sync_to_async(lambda: other.phases.first().pk)()
    await refused(
        pat, live_session.pk, "not_found", "reflection.post", phase=other_phase, text="Hi"
    )


async def test_post_to_a_later_phase_is_refused(live_session, pat):
    later = phase_id(pat, "discussion")
    await refused(
        pat, live_session.pk, "invalid", "reflection.post", phase=later, text="Too early"
    )


async def test_post_to_an_earlier_phase_is_kept_there(live_session, pat):
    """An outbox post written before the facilitator moved on keeps its phase."""
    checkin = phase_id(pat, "checkin")
    assert (await posted(pat, "Late check-in", phase=checkin))["phase"] == checkin


async def test_post_while_locked_is_refused_for_participants(live_session, pat, coach):
    await coach.request("posting.lock", locked=True)
    await refused(pat, live_session.pk, "locked", "reflection.post", phase=current(pat), text="Hi")


async def test_facilitator_may_post_while_locked(live_session, coach):
    await coach.request("posting.lock", locked=True)
    assert (await posted(coach, "A framing thought"))["mine"] is True


async def test_post_after_the_end_is_refused(live_session, pat, coach):
    await coach.request("session.end")
    await refused(
        pat, live_session.pk, "not_live", "reflection.post", phase=current(pat), text="Hi"
    )


async def test_post_before_the_start_is_refused(scheduled_session, participant):
    pat = await BoardClient.join(participant, scheduled_session.pk)
    first = pat.snapshot["phases"][0]["id"]
    await refused(pat, scheduled_session.pk, "not_live", "reflection.post", phase=first, text="Hi")
    await pat.close()


async def test_anonymous_post_event_carries_no_author(live_session, facilitator, pat, robin):
    def make_phase_anonymous():
        phase = live_session.phases.get(kind="reflection")
        services.update_phase(
            access=access_session(facilitator, live_session.pk),
            phase_id=phase.pk,
            kind="reflection",
            title="Unsaid",
            prompt="",
            timebox_minutes=5,
            anonymous=True,
        )

    await database_sync_to_async(make_phase_anonymous)()
    ack = await pat.request("reflection.post", phase=current(pat), text="Quietly")
    assert ack["reflection"]["author"] is None and ack["reflection"]["mine"] is True
    event = await robin.until("reflection.posted")
    assert event["reflection"]["author"] is None and event["reflection"]["mine"] is False
    raw = str(event)
    assert "Pat One" not in raw and "_author" not in raw
    assert (await pat.until("reflection.posted"))["reflection"]["mine"] is True


# reflection.edit -----------------------------------------------------------------


async def test_edit_own_reflection(live_session, pat, robin):
    reflection = await posted(pat, "First draft")
    ack = await pat.request("reflection.edit", reflection=reflection["id"], text="Second draft")
    assert ack["reflection"]["text"] == "Second draft" and ack["reflection"]["edited"] is True
    event = await robin.until("reflection.edited")
    assert event["reflection"]["text"] == "Second draft" and event["reflection"]["mine"] is False


async def test_edit_to_the_same_text_sends_no_event(live_session, pat, robin):
    reflection = await posted(pat, "Same")
    await robin.until("reflection.posted")
    ack = await pat.request("reflection.edit", reflection=reflection["id"], text="Same")
    assert ack["type"] == "ack" and ack["reflection"]["edited"] is False
    await robin.silent()


async def test_edit_someone_elses_reflection_is_forbidden(live_session, pat, robin):
    reflection = await posted(pat)
    await refused(
        robin,
        live_session.pk,
        "forbidden",
        "reflection.edit",
        reflection=reflection["id"],
        text="Mine now",
    )


async def test_facilitator_cannot_edit_a_participants_reflection(live_session, pat, coach):
    reflection = await posted(pat)
    await refused(
        coach,
        live_session.pk,
        "forbidden",
        "reflection.edit",
        reflection=reflection["id"],
        text="Fixed",
    )


async def test_edit_of_a_missing_reflection_is_refused(live_session, pat):
    await refused(
        pat, live_session.pk, "not_found", "reflection.edit", reflection=424242, text="x"
    )


async def test_edit_over_the_limit_is_refused(live_session, pat):
    reflection = await posted(pat)
    await refused(
        pat,
        live_session.pk,
        "too_long",
        "reflection.edit",
        reflection=reflection["id"],
        text="y" * 1001,
    )


async def test_edit_after_the_end_is_refused(live_session, pat, coach):
    reflection = await posted(pat)
    await coach.request("session.end")
    await refused(
        pat,
        live_session.pk,
        "not_live",
        "reflection.edit",
        reflection=reflection["id"],
        text="Later",
    )


async def test_edit_of_own_hidden_reflection_is_not_found(live_session, pat, coach):
    reflection = await posted(pat)
    await coach.request("reflection.hide", reflection=reflection["id"], hidden=True)
    await refused(
        pat,
        live_session.pk,
        "not_found",
        "reflection.edit",
        reflection=reflection["id"],
        text="Hm",
    )


# reflection.delete -----------------------------------------------------------------


async def test_delete_own_reflection(live_session, participant, pat, robin):
    reflection = await posted(pat)
    ack = await pat.request("reflection.delete", reflection=reflection["id"])
    assert set(ack) == {"type", "client_id"}
    assert (await robin.until("reflection.deleted"))["reflection"] == reflection["id"]
    again = await BoardClient.join(participant, live_session.pk)
    assert again.snapshot["reflections"] == []
    await again.close()


async def test_delete_someone_elses_reflection_is_forbidden(live_session, pat, robin):
    reflection = await posted(pat)
    await refused(
        robin, live_session.pk, "forbidden", "reflection.delete", reflection=reflection["id"]
    )


async def test_delete_after_the_end_is_refused(live_session, pat, coach):
    reflection = await posted(pat)
    await coach.request("session.end")
    await refused(
        pat, live_session.pk, "not_live", "reflection.delete", reflection=reflection["id"]
    )


async def test_deleting_the_spotlighted_reflection_clears_the_spotlight(
    live_session, pat, coach, robin
):
    reflection = await posted(pat)
    await coach.request("spotlight.set", reflection=reflection["id"])
    await pat.request("reflection.delete", reflection=reflection["id"])
    assert (await robin.until("reflection.deleted"))["reflection"] == reflection["id"]
    cleared = [
        f for f in [await robin.until("spotlight.changed"), await robin.until("spotlight.changed")]
    ]
    assert cleared[-1]["spotlight"] is None


async def test_resend_of_a_deleted_post_is_not_found(live_session, pat):
    client_id = str(uuid.uuid4())
    fields = {"phase": current(pat), "text": "Gone soon"}
    ack = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    await pat.request("reflection.delete", reflection=ack["reflection"]["id"])
    reply = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    assert reply["code"] == "not_found"
    assert await database_sync_to_async(Reflection.objects.count)() == 1


async def test_resend_of_a_post_hidden_since_is_not_found(live_session, pat, coach):
    client_id = str(uuid.uuid4())
    fields = {"phase": current(pat), "text": "Hidden soon"}
    ack = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    await coach.request("reflection.hide", reflection=ack["reflection"]["id"], hidden=True)
    reply = await pat.reply(await pat.send("reflection.post", client_id=client_id, **fields))
    assert reply["code"] == "not_found"
    assert await database_sync_to_async(Reflection.objects.count)() == 1


# reaction.add / reaction.remove ----------------------------------------------------------


async def test_add_and_remove_a_reaction(live_session, pat, robin):
    reflection = await posted(pat)
    ack = await robin.request("reaction.add", reflection=reflection["id"], emoji="plus_one")
    assert ack["reflection"] == reflection["id"]
    assert ack["reactions"]["plus_one"] == 1 and ack["my_reactions"] == ["plus_one"]
    event = await pat.until("reaction.changed")
    assert event["reflection"] == reflection["id"] and event["reactions"]["plus_one"] == 1
    assert "my_reactions" not in event

    ack = await robin.request("reaction.remove", reflection=reflection["id"], emoji="plus_one")
    assert ack["reactions"]["plus_one"] == 0 and ack["my_reactions"] == []
    assert (await pat.until("reaction.changed"))["reactions"]["plus_one"] == 0
    assert await database_sync_to_async(Reaction.objects.count)() == 0


async def test_reacting_twice_counts_once(live_session, pat, robin):
    reflection = await posted(pat)
    await robin.request("reaction.add", reflection=reflection["id"], emoji="heart")
    await pat.until("reaction.changed")
    await pat.drain()
    ack = await robin.request("reaction.add", reflection=reflection["id"], emoji="heart")
    assert ack["reactions"]["heart"] == 1
    assert await database_sync_to_async(Reaction.objects.count)() == 1
    await pat.silent()


async def test_removing_a_reaction_one_does_not_have_changes_nothing(live_session, pat, robin):
    reflection = await posted(pat)
    await robin.until("reflection.posted")
    await pat.drain()
    ack = await robin.request("reaction.remove", reflection=reflection["id"], emoji="clap")
    assert ack["type"] == "ack" and ack["my_reactions"] == []
    await pat.silent()


async def test_unknown_emoji_is_refused(live_session, pat, robin):
    reflection = await posted(pat)
    await refused(
        robin,
        live_session.pk,
        "invalid",
        "reaction.add",
        reflection=reflection["id"],
        emoji="poop",
    )


async def test_reaction_to_a_missing_reflection_is_refused(live_session, robin):
    await refused(
        robin, live_session.pk, "not_found", "reaction.add", reflection=31337, emoji="heart"
    )


async def test_reaction_to_a_hidden_reflection_is_refused_for_participants(
    live_session, pat, robin, coach
):
    reflection = await posted(pat)
    await coach.request("reflection.hide", reflection=reflection["id"], hidden=True)
    await refused(
        robin,
        live_session.pk,
        "not_found",
        "reaction.add",
        reflection=reflection["id"],
        emoji="heart",
    )


async def test_reaction_after_the_end_is_refused(live_session, pat, robin, coach):
    reflection = await posted(pat)
    await coach.request("session.end")
    await refused(
        robin,
        live_session.pk,
        "not_live",
        "reaction.remove",
        reflection=reflection["id"],
        emoji="heart",
    )


# commitment.add ------------------------------------------------------------------


async def test_commitment_goes_to_its_author_and_the_facilitators(live_session, pat, robin, coach):
    await coach.request("phase.goto", phase=phase_id(coach, "commitments"))
    await robin.until("phase.changed")
    await robin.drain()
    ack = await pat.request("commitment.add", text="Ask my team what they need.")
    assert ack["commitment"]["text"] == "Ask my team what they need."
    assert ack["commitment"]["mine"] is True
    assert ack["commitment"]["author"]["name"] == "Pat One"
    to_coach = await coach.until("commitment.added")
    assert to_coach["commitment"]["mine"] is False
    assert (await pat.until("commitment.added"))["commitment"]["mine"] is True
    await robin.silent()


async def test_resent_commitment_is_stored_once(live_session, pat, coach):
    await coach.request("phase.goto", phase=phase_id(coach, "commitments"))
    client_id = str(uuid.uuid4())
    first = await pat.reply(await pat.send("commitment.add", client_id=client_id, text="Once"))
    again = await pat.reply(await pat.send("commitment.add", client_id=client_id, text="Once"))
    assert again["commitment"]["id"] == first["commitment"]["id"]
    assert await database_sync_to_async(Commitment.objects.count)() == 1


async def test_commitment_before_the_commitments_phase_is_refused(live_session, pat):
    await refused(pat, live_session.pk, "invalid", "commitment.add", text="Too early")


async def test_empty_commitment_is_refused(live_session, pat, coach):
    await coach.request("phase.goto", phase=phase_id(coach, "commitments"))
    await refused(pat, live_session.pk, "empty", "commitment.add", text="  ")


async def test_commitment_while_locked_is_refused(live_session, pat, coach):
    await coach.request("phase.goto", phase=phase_id(coach, "commitments"))
    await coach.request("posting.lock", locked=True)
    await refused(pat, live_session.pk, "locked", "commitment.add", text="Later")


# Facilitator messages -------------------------------------------------------------

FACILITATOR_MESSAGES = [
    ("phase.goto", {"phase": 1}),
    ("timer.start", {}),
    ("timer.pause", {}),
    ("timer.extend", {"seconds": 60}),
    ("timer.clear", {}),
    ("spotlight.set", {"reflection": None}),
    ("reflection.hide", {"reflection": 1, "hidden": True}),
    ("posting.lock", {"locked": True}),
    ("session.end", {}),
]


@pytest.mark.parametrize(("type_", "fields"), FACILITATOR_MESSAGES)
async def test_participants_cannot_facilitate(live_session, pat, type_, fields):
    await refused(pat, live_session.pk, "forbidden", type_, **fields)


@pytest.mark.parametrize(("type_", "fields"), FACILITATOR_MESSAGES)
async def test_facilitating_an_ended_session_is_refused(live_session, coach, type_, fields):
    await coach.request("session.end")
    await refused(coach, live_session.pk, "not_live", type_, **fields)


async def test_phase_goto_moves_everyone_and_resets_the_timer(live_session, pat, coach):
    await coach.request("timer.start")
    await pat.until("timer.changed")
    discussion = phase_id(coach, "discussion")
    ack = await coach.request("phase.goto", phase=discussion)
    assert set(ack) == {"type", "client_id"}
    event = await pat.until("phase.changed")
    assert event["current_phase"] == discussion
    assert event["timer"]["state"] == "idle" and event["timer"]["ends_at"] is None


async def test_phase_goto_to_a_missing_phase_is_refused(live_session, coach):
    await refused(coach, live_session.pk, "not_found", "phase.goto", phase=777777)


async def test_timer_start_runs_the_phase_timebox(live_session, pat, coach):
    await coach.request("timer.start")
    timer = (await pat.until("timer.changed"))["timer"]
    assert timer["state"] == "running" and timer["remaining_seconds"] is None
    ends_at = datetime.datetime.fromisoformat(timer["ends_at"])
    now = datetime.datetime.fromisoformat(timer["server_now"])
    assert datetime.timedelta(minutes=14) < ends_at - now <= datetime.timedelta(minutes=15)


async def test_timer_start_with_seconds(live_session, pat, coach):
    await coach.request("timer.start", seconds=300)
    timer = (await pat.until("timer.changed"))["timer"]
    ends_at = datetime.datetime.fromisoformat(timer["ends_at"])
    now = datetime.datetime.fromisoformat(timer["server_now"])
    assert datetime.timedelta(seconds=240) < ends_at - now <= datetime.timedelta(seconds=300)


@pytest.mark.parametrize("seconds", [0, -5, 6 * 3600 + 1])
async def test_timer_start_out_of_range_is_refused(live_session, coach, seconds):
    await refused(coach, live_session.pk, "invalid", "timer.start", seconds=seconds)


async def test_timer_pause_extend_resume_and_clear(live_session, pat, coach):
    await coach.request("timer.start", seconds=300)
    await pat.until("timer.changed")
    await coach.request("timer.pause")
    paused = (await pat.until("timer.changed"))["timer"]
    assert paused["state"] == "paused" and paused["ends_at"] is None
    assert 0 < paused["remaining_seconds"] <= 300

    await coach.request("timer.extend", seconds=60)
    extended = (await pat.until("timer.changed"))["timer"]
    assert extended["remaining_seconds"] == paused["remaining_seconds"] + 60

    await coach.request("timer.start")  # resumes where it stopped
    resumed = (await pat.until("timer.changed"))["timer"]
    assert resumed["state"] == "running"
    left = datetime.datetime.fromisoformat(resumed["ends_at"]) - datetime.datetime.fromisoformat(
        resumed["server_now"]
    )
    assert left <= datetime.timedelta(seconds=extended["remaining_seconds"])

    await coach.request("timer.extend", seconds=120)
    longer = (await pat.until("timer.changed"))["timer"]
    assert datetime.datetime.fromisoformat(longer["ends_at"]) - datetime.datetime.fromisoformat(
        resumed["ends_at"]
    ) == datetime.timedelta(seconds=120)

    await coach.request("timer.clear")
    cleared = (await pat.until("timer.changed"))["timer"]
    assert cleared == {**cleared, "state": "idle", "ends_at": None, "remaining_seconds": None}


async def test_timer_extend_when_idle_is_refused(live_session, coach):
    await refused(coach, live_session.pk, "invalid", "timer.extend", seconds=60)


async def test_timer_pause_when_idle_changes_nothing(live_session, coach, pat):
    await pat.drain()
    assert (await coach.request("timer.pause"))["type"] == "ack"
    await pat.silent()


async def test_spotlight_set_and_clear(live_session, pat, robin, coach):
    reflection = await posted(pat)
    await coach.request("spotlight.set", reflection=reflection["id"])
    assert (await robin.until("spotlight.changed"))["spotlight"] == reflection["id"]
    await coach.request("spotlight.set", reflection=None)
    assert (await robin.until("spotlight.changed"))["spotlight"] is None


async def test_spotlight_of_a_missing_reflection_is_refused(live_session, coach):
    await refused(coach, live_session.pk, "not_found", "spotlight.set", reflection=5555)


async def test_spotlight_of_a_hidden_reflection_is_refused(live_session, pat, coach):
    reflection = await posted(pat)
    await coach.request("reflection.hide", reflection=reflection["id"], hidden=True)
    await refused(coach, live_session.pk, "invalid", "spotlight.set", reflection=reflection["id"])


async def test_hide_and_unhide(live_session, pat, robin, coach):
    reflection = await posted(pat, "Off topic")
    await coach.request("spotlight.set", reflection=reflection["id"])
    await coach.request("reflection.hide", reflection=reflection["id"], hidden=True)
    assert (await robin.until("reflection.hidden"))["reflection"] == reflection["id"]
    assert (await coach.until("reflection.hidden"))["reflection"] == reflection["id"]
    spotlights = [await robin.until("spotlight.changed"), await robin.until("spotlight.changed")]
    assert spotlights[-1]["spotlight"] is None

    await coach.request("reflection.hide", reflection=reflection["id"], hidden=False)
    back = await robin.until("reflection.unhidden")
    assert back["reflection"]["text"] == "Off topic" and back["reflection"]["hidden"] is False
    assert (await pat.until("reflection.unhidden"))["reflection"]["mine"] is True


async def test_events_of_hidden_reflections_reach_facilitators_only(
    live_session, pat, robin, coach, facilitator
):
    reflection = await database_sync_to_async(
        lambda: (
            services.post_reflection(
                access=access_session(facilitator, live_session.pk),
                phase_id=live_session.current_phase_id,
                text="Coach's note",
                client_id=uuid.uuid4(),
            ).reflection
        )
    )()
    await coach.request("reflection.hide", reflection=reflection.pk, hidden=True)
    await robin.until("reflection.hidden")
    await coach.request("reflection.edit", reflection=reflection.pk, text="Coach's note, edited")
    assert (await coach.until("reflection.edited"))["reflection"]["hidden"] is True
    await coach.request("reaction.add", reflection=reflection.pk, emoji="bulb")
    await coach.until("reaction.changed")
    await robin.silent()
    # Robin's next event arrives with its own seq, after the two he did not see.
    await coach.request("posting.lock", locked=True)
    lock = await robin.until("posting.changed")
    assert lock["seq"] == (await coach.until("posting.changed"))["seq"]


async def test_hide_a_missing_reflection_is_refused(live_session, coach):
    await refused(
        coach, live_session.pk, "not_found", "reflection.hide", reflection=8888, hidden=True
    )


async def test_posting_lock_and_unlock(live_session, pat, coach):
    await coach.request("posting.lock", locked=True)
    assert (await pat.until("posting.changed"))["posting_locked"] is True
    await coach.request("posting.lock", locked=False)
    assert (await pat.until("posting.changed"))["posting_locked"] is False
    assert (await posted(pat, "Unlocked"))["text"] == "Unlocked"


async def test_session_end(live_session, pat, coach):
    ack = await coach.request("session.end")
    assert ack["type"] == "ack"
    assert (await pat.until("session.ended"))["status"] == "ended"
    await refused(coach, live_session.pk, "not_live", "session.end")


async def test_ping_gets_a_pong(live_session, pat):
    client_id = await pat.send("ping")
    assert await pat.reply(client_id) == {"type": "pong", "client_id": client_id}


# Pages change the board too ---------------------------------------------------------


async def test_agenda_edit_from_a_page_reaches_the_board(live_session, facilitator, pat):
    def add_phase():
        return services.add_phase(
            access=access_session(facilitator, live_session.pk),
            kind="reflection",
            title="One more prompt",
            prompt="What surprised you?",
            timebox_minutes=5,
        )

    phase = await database_sync_to_async(add_phase)()
    event = await pat.until("agenda.changed")
    assert event["phases"][-1] == {
        "id": phase.pk,
        "position": 6,
        "kind": "reflection",
        "title": "One more prompt",
        "prompt": "What surprised you?",
        "timebox_minutes": 5,
        "anonymous": False,
    }
    assert event["current_phase"] == current(pat)


async def test_starting_from_the_page_opens_every_board(cohort, facilitator, participant):
    session = await database_sync_to_async(schedule_session)(cohort, facilitator)
    pat = await BoardClient.join(participant, session.pk)
    await database_sync_to_async(
        lambda: services.start_session(access=access_session(facilitator, session.pk))
    )()
    event = await pat.until("session.started")
    assert event["status"] == "live" and event["current_phase"] == pat.snapshot["phases"][0]["id"]
    await pat.close()


async def test_a_second_live_session_does_not_leak_into_the_first(
    live_session, cohort, facilitator, participant, pat
):
    other = await database_sync_to_async(
        lambda: start_live(schedule_session(cohort, facilitator, title="Other"), facilitator)
    )()
    other_pat = await BoardClient.join(participant, other.pk)
    await posted(other_pat, "Elsewhere")
    await pat.silent()
    await other_pat.close()
