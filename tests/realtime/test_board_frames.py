"""Bad frames, the rate limit and lost rights: an error each, the socket stays
open, nothing changes."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from board import services
from cohorts.models import Membership
from tests.realtime.conftest import state
from tests.streams import BoardClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def pat(live_session, participant):
    client = await BoardClient.join(participant, live_session.pk)
    yield client
    await client.close()


async def still_open(client):
    client_id = await client.send("ping")
    assert (await client.reply(client_id))["type"] == "pong"


async def error_for(client, session_id, send, code, *, client_id=None):
    before = await state(session_id)
    await send()
    frame = await client.until("error")
    assert frame["code"] == code, frame
    assert frame["message"]
    if client_id is None:
        assert "client_id" not in frame
    else:
        assert frame["client_id"] == client_id
    assert await state(session_id) == before
    await still_open(client)
    return frame


async def test_malformed_json(live_session, pat):
    await error_for(pat, live_session.pk, lambda: pat.send_text('{"type": "ping",'), "bad_json")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        '{"type": "\\ud800", "client_id": "\\udfff"}',
        '{"type": "reflection.post", "client_id": "6f1c1d6e-54a4-4f0e-9b8e-3d2a1c0b9a87",'
        ' "phase": 2, "text": "\\ud83d"}',
    ],
)
async def test_json_no_reply_could_carry_is_refused_and_the_socket_stays(live_session, pat, text):
    """Deep nesting and lone surrogates once closed the connection."""
    await error_for(pat, live_session.pk, lambda: pat.send_text(text), "bad_json")


@pytest.mark.parametrize("text", ["[1, 2]", "42", '"reflection.post"', "null", "true"])
async def test_json_that_is_not_an_object(live_session, pat, text):
    await error_for(pat, live_session.pk, lambda: pat.send_text(text), "bad_frame")


async def test_binary_frame(live_session, pat):
    async def send():
        await pat.communicator.send_to(bytes_data=b'{"type": "ping"}')

    await error_for(pat, live_session.pk, send, "bad_json")


async def test_missing_type_echoes_the_client_id(live_session, pat):
    client_id = str(uuid.uuid4())
    await error_for(
        pat,
        live_session.pk,
        lambda: pat.send_json({"client_id": client_id, "text": "hi"}),
        "bad_frame",
        client_id=client_id,
    )


async def test_missing_client_id(live_session, pat):
    await error_for(
        pat,
        live_session.pk,
        lambda: pat.send_json({"type": "reflection.post", "phase": 1, "text": "hi"}),
        "bad_frame",
    )


async def test_client_id_that_is_not_a_uuid(live_session, pat):
    await error_for(
        pat,
        live_session.pk,
        lambda: pat.send_json({"type": "ping", "client_id": "not-a-uuid"}),
        "bad_frame",
        client_id="not-a-uuid",
    )


async def test_unknown_type(live_session, pat):
    client_id = str(uuid.uuid4())
    await error_for(
        pat,
        live_session.pk,
        lambda: pat.send("reflection.delete_all", client_id=client_id),
        "unknown_type",
        client_id=client_id,
    )


async def test_oversized_frame(live_session, pat):
    client_id = str(uuid.uuid4())
    frame = {"type": "reflection.post", "client_id": client_id, "phase": 2, "text": "x" * 17000}
    await error_for(pat, live_session.pk, lambda: pat.send_json(frame), "too_large")


async def test_frame_just_under_the_size_limit_is_read(live_session, pat):
    """16 KiB of JSON is parsed; its text is then too long for a reflection."""
    client_id = str(uuid.uuid4())
    phase = pat.snapshot["session"]["current_phase"]
    frame = {
        "type": "reflection.post",
        "client_id": client_id,
        "phase": phase,
        "text": "x" * 16000,
    }
    await error_for(
        pat, live_session.pk, lambda: pat.send_json(frame), "too_long", client_id=client_id
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"phase": "2", "text": "hi"},
        {"phase": True, "text": "hi"},
        {"phase": 2.5, "text": "hi"},
        {"phase": 0, "text": "hi"},
        {"phase": 2, "text": 5},
        {"phase": 2, "text": None},
        {"phase": 2},
    ],
)
async def test_fields_of_the_wrong_type(live_session, pat, fields):
    client_id = str(uuid.uuid4())
    await error_for(
        pat,
        live_session.pk,
        lambda: pat.send("reflection.post", client_id=client_id, **fields),
        "bad_frame",
        client_id=client_id,
    )


async def test_rate_limit(live_session, pat, settings):
    settings.REALTIME_RATE_BURST = 3
    settings.REALTIME_RATE_PER_SECOND = 0.001
    phase = pat.snapshot["session"]["current_phase"]
    for number in range(3):
        assert (await pat.request("reflection.post", phase=phase, text=f"{number}"))[
            "type"
        ] == "ack"
    before = await state(live_session.pk)
    client_id = await pat.send("reflection.post", phase=phase, text="one too many")
    reply = await pat.reply(client_id)
    assert reply["code"] == "rate_limited" and reply["message"]
    assert await state(live_session.pk) == before


async def test_rate_limit_is_per_user(live_session, pat, other_participant, settings):
    settings.REALTIME_RATE_BURST = 1
    settings.REALTIME_RATE_PER_SECOND = 0.001
    await pat.request("ping")
    assert (await pat.request("ping"))["code"] == "rate_limited"
    robin = await BoardClient.join(other_participant, live_session.pk)
    assert (await robin.request("ping"))["type"] == "pong"
    await robin.close()


async def test_losing_membership_mid_session_stops_posting(live_session, pat, participant):
    await database_sync_to_async(Membership.objects.filter(user=participant).delete)()
    reply = await pat.request("reflection.post", phase=2, text="Still here?")
    assert reply["code"] == "forbidden"


async def test_a_server_failure_gets_one_error_and_changes_nothing(live_session, pat, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "post_reflection", broken)
    before = await state(live_session.pk)
    reply = await pat.request("reflection.post", phase=2, text="Hello")
    assert reply["code"] == "server_error"
    assert await state(live_session.pk) == before
    await still_open(pat)


async def test_error_frames_are_json_objects_with_a_message(live_session, pat):
    await pat.send_text("nope")
    raw = await pat.communicator.receive_from()
    frame = json.loads(raw)
    assert frame == {"type": "error", "code": "bad_json", "message": frame["message"]}
