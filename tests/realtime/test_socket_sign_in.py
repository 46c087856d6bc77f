"""A socket ends with the sign-in it was opened with, on both streams.

Logging out, a new password (changed, reset, or set in the admin) and a
deactivated account close the socket with 4403: at once (a message to the
user's group), else at its next client frame (which gets an error and is not
run) or at the next heartbeat.
"""

import asyncio
import json
import threading
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from board.models import Reflection
from goals import periods, services
from goals.models import CheckInReply
from realtime import batching, logins
from tests import factories, streams
from tests.goals_support import access, pair_up
from tests.realtime.conftest import board_state
from tests.streams import WAIT, BoardClient, closed_with, cookie_of, signed_in
from tests.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests"  # tests/factories.py


@dataclass
class Stream:
    name: str
    path: str
    frame: dict  # a client frame that would store something
    read_state: object  # everything a refused frame must leave as it was

    async def state(self):
        return await database_sync_to_async(self.read_state)()


@pytest.fixture(params=["board", "cohort"])
def stream(request, cohort, live_session, participant, other_participant):
    """The board of a live session, or the cohort stream with a check-in of
    Robin's that Pat, Robin's partner, may answer."""
    if request.param == "board":
        return Stream(
            name="board",
            path=f"/ws/sessions/{live_session.pk}/",
            frame={
                "type": "reflection.post",
                "phase": live_session.current_phase_id,
                "text": "Posted after the sign-in ended",
            },
            read_state=lambda: board_state(live_session.pk),
        )
    pair_up(cohort, [participant, other_participant])
    checkin, _created = services.submit_checkin(
        access=access(other_participant, cohort),
        period_start=periods.current_period(periods.rhythm_for(cohort)).start,
        energy=4,
        win="Gave the hard feedback",
    )
    return Stream(
        name="cohort",
        path=f"/ws/cohorts/{cohort.pk}/",
        frame={"type": "reply.post", "checkin": checkin.pk, "text": "Posted after it ended"},
        read_state=lambda: list(CheckInReply.objects.values_list("pk", "body")),
    )


async def open_socket(client: Client, path: str) -> WebsocketCommunicator:
    """A socket opened with `client`'s session cookie; its first frame taken."""
    communicator = await streams.connect(path, cookie=cookie_of(client))
    first = await streams.frame(communicator)
    assert first["type"] in {"board.snapshot", "cohort.snapshot"}, first
    return communicator


async def send(communicator, frame: dict) -> str:
    fields = dict(frame)
    return await streams.send(communicator, fields.pop("type"), **fields)


async def still_serves(communicator, stream: Stream) -> None:
    """The socket is open and its frames are run (a ping, then a write)."""
    reply = await streams.reply_to(communicator, await send(communicator, {"type": "ping"}))
    assert reply["type"] == "pong", reply
    reply = await streams.reply_to(communicator, await send(communicator, stream.frame))
    assert reply["type"] == "ack", reply


def post(client: Client, url: str, data=None):
    return database_sync_to_async(client.post)(url, data or {})


@pytest.fixture
def no_push(monkeypatch):
    """No message to the user's group: only the checks can end a socket."""
    monkeypatch.setattr(logins, "end_sockets", lambda *args, **kwargs: None)


@pytest.fixture
def quick_heartbeat(settings):
    settings.REALTIME_PRESENCE_HEARTBEAT = 0.05


# At once ---------------------------------------------------------------------


async def test_logging_out_closes_that_sessions_sockets_at_once(stream, participant):
    """The heartbeat is 30 s away and no frame is sent: the logout's own
    message closes the socket, and only the sockets of that session."""
    laptop, phone = await signed_in(participant), await signed_in(participant)
    on_laptop = await open_socket(laptop, stream.path)
    on_phone = await open_socket(phone, stream.path)
    before = await stream.state()
    response = await post(laptop, reverse("account_logout"))
    assert response.status_code == 302
    code, _frames = await closed_with(on_laptop)
    assert code == 4403
    assert await stream.state() == before
    await still_serves(on_phone, stream)
    await on_phone.disconnect()


async def test_a_new_password_closes_every_socket_of_the_user(stream, participant):
    """Changed on the laptop, the password ends the phone's sign-in as well,
    and the laptop's sockets (its session moved to a new key)."""
    laptop, phone = await signed_in(participant), await signed_in(participant)
    on_laptop = await open_socket(laptop, stream.path)
    on_phone = await open_socket(phone, stream.path)
    response = await post(
        laptop,
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-pass",
            "password2": "a-brand-new-pass",
        },
    )
    assert response.status_code == 302
    assert (await closed_with(on_phone))[0] == 4403
    assert (await closed_with(on_laptop))[0] == 4403


async def test_a_password_reset_closes_every_socket_of_the_user(stream, participant):
    """Reset from the emailed link by someone not signed in."""
    socket = await open_socket(await signed_in(participant), stream.path)
    stranger = Client()
    await post(stranger, reverse("account_reset_password"), {"email": participant.email})
    [message] = mail.outbox
    key_url = next(word for word in message.body.split() if "/password/reset/key/" in word)
    form_url = (await database_sync_to_async(stranger.get)(key_url))["Location"]
    done = await post(
        stranger, form_url, {"password1": "a-brand-new-pass", "password2": "a-brand-new-pass"}
    )
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert (await closed_with(socket))[0] == 4403


async def test_a_password_set_in_the_admin_closes_every_socket_of_the_user(stream, participant):
    socket = await open_socket(await signed_in(participant), stream.path)
    admin = await signed_in(
        await database_sync_to_async(factories.UserFactory)(
            email="root@example.test", is_staff=True, is_superuser=True
        )
    )
    response = await post(
        admin,
        reverse("admin:auth_user_password_change", args=[participant.pk]),
        {
            "password1": "a-brand-new-pass",
            "password2": "a-brand-new-pass",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert (await closed_with(socket))[0] == 4403


async def test_deactivating_the_account_closes_its_sockets(stream, participant):
    socket = await open_socket(await signed_in(participant), stream.path)

    def deactivate():
        user = User.objects.get(pk=participant.pk)
        user.is_active = False
        user.save()

    await database_sync_to_async(deactivate)()
    assert (await closed_with(socket))[0] == 4403


async def test_saving_the_user_otherwise_keeps_the_sockets(stream, participant):
    """A profile change or a login elsewhere (last_login) ends nothing."""
    socket = await open_socket(await signed_in(participant), stream.path)

    def rename():
        user = User.objects.get(pk=participant.pk)
        user.display_name = "Pat Renamed"
        user.save()

    await database_sync_to_async(rename)()
    await signed_in(participant)
    await still_serves(socket, stream)
    await socket.disconnect()


# At the next frame -------------------------------------------------------------


async def test_a_frame_after_logout_is_refused_then_the_socket_closes(
    stream, participant, no_push
):
    """Nothing is stored: the frame gets an error, then the close."""
    browser = await signed_in(participant)
    socket = await open_socket(browser, stream.path)
    before = await stream.state()
    await post(browser, reverse("account_logout"))
    client_id = await send(socket, stream.frame)
    code, frames = await closed_with(socket)
    assert code == 4403
    [reply] = [frame for frame in frames if frame.get("client_id") == client_id]
    assert reply["type"] == "error" and reply["code"] == "signed_out", reply
    assert "Reload the page" in reply["message"]
    assert await stream.state() == before


@pytest.mark.parametrize(
    "how", ["session_expired", "session_deleted", "new_password", "deactivated"]
)
async def test_a_frame_is_refused_when_the_sign_in_ended_without_a_signal(
    stream, participant, how
):
    """Changes made behind Django's back (a queryset update, an expired
    session) are found by the frame's own check."""
    browser = await signed_in(participant)
    socket = await open_socket(browser, stream.path)
    before = await stream.state()
    key = browser.session.session_key
    await database_sync_to_async(end_sign_in)(participant, key, how)
    client_id = await send(socket, stream.frame)
    code, frames = await closed_with(socket)
    assert code == 4403
    assert [f["code"] for f in frames if f.get("client_id") == client_id] == ["signed_out"]
    assert await stream.state() == before


def end_sign_in(user, session_key, how):
    import datetime

    from django.utils import timezone

    if how == "session_expired":
        past = timezone.now() - datetime.timedelta(minutes=1)
        Session.objects.filter(session_key=session_key).update(expire_date=past)
    elif how == "new_password":
        User.objects.filter(pk=user.pk).update(password=make_password("changed-elsewhere"))
    elif how == "deactivated":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif how == "session_deleted":
        Session.objects.filter(session_key=session_key).delete()


async def test_a_ping_is_answered_after_logout_until_the_close(stream, participant, no_push):
    """A ping stores nothing and reads nothing: it is not checked (the
    heartbeat closes the socket)."""
    browser = await signed_in(participant)
    socket = await open_socket(browser, stream.path)
    await post(browser, reverse("account_logout"))
    client_id = await send(socket, {"type": "ping"})
    while True:
        frame = json.loads(await socket.receive_from(timeout=WAIT))
        if frame.get("client_id") == client_id:
            assert frame["type"] == "pong"
            break
    await socket.disconnect()


async def test_a_batch_checks_its_frames_sign_ins_together(
    live_session, participant, other_participant, no_push, monkeypatch
):
    """Two posts in one batch (run by `post_many`): the sign-ins are checked
    once for both, the signed-out one is refused alone and the other is
    stored."""
    pat_browser = await signed_in(participant)
    pat = BoardClient(await open_socket(pat_browser, f"/ws/sessions/{live_session.pk}/"))
    robin = BoardClient(
        await open_socket(await signed_in(other_participant), f"/ws/sessions/{live_session.pk}/")
    )
    await post(pat_browser, reverse("account_logout"))
    checked = []
    ended = logins.ended

    def counting(found):
        found = list(found)
        checked.append(len(found))
        return ended(found)

    monkeypatch.setattr(logins, "ended", counting)
    # Hold the writer until both frames wait for it, so that they share a batch.
    entered, gate = threading.Event(), threading.Event()

    def hold():
        entered.set()
        gate.wait(WAIT)

    writer = batching.batcher()
    held = asyncio.ensure_future(writer.run(hold))
    await eventually(entered.is_set, what="the writer is in the holding batch")
    phase = live_session.current_phase_id
    pat_id = await pat.send("reflection.post", phase=phase, text="Pat, signed out")
    robin_id = await robin.send("reflection.post", phase=phase, text="Robin, signed in")
    await eventually(lambda: len(writer._queue) >= 2, what="both frames queued behind the gate")
    gate.set()
    await held
    assert (await robin.reply(robin_id))["type"] == "ack"
    code, frames = await closed_with(pat.communicator)
    assert code == 4403
    assert [f["code"] for f in frames if f.get("client_id") == pat_id] == ["signed_out"]
    assert checked == [2]
    texts = await database_sync_to_async(
        lambda: list(
            Reflection.objects.filter(session=live_session).values_list("text", flat=True)
        )
    )()
    assert texts == ["Robin, signed in"]
    await robin.close()


# At the heartbeat --------------------------------------------------------------


@pytest.mark.parametrize(
    "how", ["session_expired", "session_deleted", "new_password", "deactivated"]
)
async def test_the_heartbeat_closes_a_socket_whose_sign_in_ended(
    stream, participant, how, quick_heartbeat
):
    """A socket that only listens is closed within a heartbeat."""
    browser = await signed_in(participant)
    socket = await open_socket(browser, stream.path)
    await database_sync_to_async(end_sign_in)(participant, browser.session.session_key, how)
    assert (await closed_with(socket))[0] == 4403


async def test_the_heartbeat_keeps_a_signed_in_socket(
    stream, participant, quick_heartbeat, heartbeats
):
    socket = await open_socket(await signed_in(participant), stream.path)
    await heartbeats.wait()
    await still_serves(socket, stream)
    await socket.disconnect()
