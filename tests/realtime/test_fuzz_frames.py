"""Generated frames against both streams: whatever a client sends, the socket
answers with exactly one reply of the protocol, stays open, logs no error,
and stores nothing unless the frame was acknowledged.

Hypothesis makes the frames: raw text (lone surrogates, text at the 16 KiB
limit), binary frames, JSON of any shape, and messages of each stream's table
with fields missing, of the wrong type or extra, and ids that do not exist or
belong to another cohort. Every test sends all its frames through one socket.

FUZZ_EXAMPLES sets the number of frames per stream (`make fuzz` sends 10,000,
with a new random seed each run); without it the suite sends a few hundred,
the same ones every run.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from board.messages import BOARD_MESSAGES
from board.models import BoardEvent, CohortSession, Commitment, Reaction, Reflection
from board.stream import EMOJIS
from cohorts.models import Membership
from goals import periods
from goals.consumers import COHORT_MESSAGES
from goals.models import CheckInReply, CohortEvent
from realtime import protocol
from realtime.protocol import MAX_FRAME_BYTES, FieldType, ProtocolError
from tests import factories
from tests.board_helpers import live_session as make_live_session
from tests.board_helpers import post
from tests.goals_support import add_participant, checkin
from tests.streams import WAIT, board_path, cohort_path, connect, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

# Frames per stream. The default costs both streams together a few seconds.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
# The suite replays the same frames every run; an exploring run (FUZZ_EXAMPLES
# set, as `make fuzz` does) draws new ones, and prints how to replay a failure.
EXPLORING = "FUZZ_EXAMPLES" in os.environ

FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not EXPLORING,
    database=None,  # no example database written into the checkout
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# What the parser refuses with (realtime/protocol.py), and what the services
# refuse with once a frame is well formed (docs/realtime-protocol.md, "Errors").
# Neither `rate_limited` (the limit is raised here), `signed_out` nor
# `server_error` may answer any frame.
PARSER_CODES = {"bad_json", "bad_frame", "unknown_type", "too_large"}
SERVICE_CODES = {
    "too_long",
    "empty",
    "not_found",
    "forbidden",
    "locked",
    "not_live",
    "cohort_closed",
    "invalid",
}
REPLY_TYPES = {"ack", "error", "pong"}


# Strategies -----------------------------------------------------------------

# Every code point, lone surrogates included (st.text leaves them out).
ANY_CHARACTER = st.characters(codec=None, categories=None, exclude_categories=())
MARKUP = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "**bold** [link](javascript:alert(1))",
        "{{ request.user }}{% debug %}",
        '=HYPERLINK("http://evil.test")',
        "\u202eevil\u202c",
        "\x00\x1f\x7f",
        "   ",
        "",
    ]
)
# Lone halves of a surrogate pair, which no UTF-8 text can hold.
SURROGATES = st.sampled_from(["\ud800", "\udfff", "half \ud83d", "\ude00 half"])
TEXTS = st.one_of(
    st.sampled_from(["I will ask one question first", "Ça va ✨", "ok"]),
    st.text(max_size=50),
    SURROGATES,
    st.text(ANY_CHARACTER, max_size=50),
    MARKUP,
    MARKUP,
    # Around the services' limits (1,000 and 2,000 characters) and past them.
    st.builds(
        lambda char, size: char * size,
        st.sampled_from(["x", " ", "é", "😀", "<"]),
        st.sampled_from([999, 1000, 1001, 1999, 2000, 2001, 4000]),
    ),
)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


def json_containers(children):
    return st.lists(children, max_size=5) | st.dictionaries(
        st.text(max_size=10), children, max_size=5
    )


ANY_JSON = st.recursive(JSON_LEAVES, json_containers, max_leaves=20)
CLIENT_IDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(str),
    st.uuids().map(lambda value: value.hex.upper()),
    st.text(max_size=70),
    ANY_JSON,
)
# The limit in bytes of UTF-8, met with one-, two- and four-byte characters.
AT_THE_LIMIT = st.builds(
    lambda char, extra: char * (MAX_FRAME_BYTES // len(char.encode()) + extra),
    st.sampled_from(["x", "é", "😀", "{"]),
    st.integers(-2, 2),
)


def ids(known: list[int]):
    """Ids of this stream, of another cohort's, and of nothing at all."""
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(known),
        st.integers(min_value=-5, max_value=10_000),
        st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63)]),
    )


def value_of(kind: FieldType, known_ids: list[int]):
    return {
        FieldType.ID: ids(known_ids),
        FieldType.ID_OR_NULL: st.none() | ids(known_ids),
        FieldType.TEXT: TEXTS,
        FieldType.BOOL: st.booleans(),
        FieldType.SECONDS: st.integers(min_value=-(2**64), max_value=2**64)
        | st.sampled_from([0, 1, 60, 3600, 86_400]),
        FieldType.OPTIONAL_SECONDS: st.none() | st.integers(min_value=-100, max_value=10**7),
        FieldType.EMOJI: st.sampled_from(EMOJIS) | TEXTS,
    }[kind]


@st.composite
def messages(draw, table, known_ids: list[int]):
    """A message of `table` as a client would send it, mostly well formed:
    each field right, wrongly typed or missing, and extra fields besides."""
    kind = draw(st.sampled_from(sorted(table)))
    # Two in three well formed, so that the services see many.
    well_formed = draw(st.integers(0, 2)) > 0
    frame = {"type": kind}
    if well_formed or draw(st.booleans()):
        frame["client_id"] = draw(st.uuids().map(str))
    else:
        frame["client_id"] = draw(CLIENT_IDS)
    for name, field_type in table[kind].items():
        choice = 0 if well_formed else draw(st.integers(0, 9))
        if choice < 5:
            frame[name] = draw(value_of(field_type, known_ids))
        elif choice < 9:
            frame[name] = draw(ANY_JSON)
        # else: the field is missing
    extra = draw(st.dictionaries(st.text(max_size=10), ANY_JSON, max_size=3))
    return json.dumps({**extra, **frame})


def frames(table, known_ids: list[int]):
    """One client frame: ("text", str) or ("bytes", bytes). About half are
    messages of the stream's table, so that the services see many."""
    text = st.one_of(
        st.text(ANY_CHARACTER, max_size=200),
        SURROGATES,
        AT_THE_LIMIT,
        ANY_JSON.map(json.dumps),
        st.dictionaries(
            st.sampled_from(["type", "client_id", "text", "phase", "checkin", "reflection"]),
            ANY_JSON,
        ).map(json.dumps),
    )
    binary = st.binary(max_size=200) | st.sampled_from(
        [b"", b"x" * MAX_FRAME_BYTES, b"x" * (MAX_FRAME_BYTES + 1)]
    )
    message = messages(table, known_ids)
    return st.one_of(
        message.map(lambda data: ("text", data)),
        message.map(lambda data: ("text", data)),
        message.map(lambda data: ("text", data)),
        text.map(lambda data: ("text", data)),
        text.map(lambda data: ("text", data)),
        binary.map(lambda data: ("bytes", data)),
    )


# The reply a frame must get --------------------------------------------------


def echoed_client_id(kind: str, payload) -> str | None:
    """The client_id an error must carry: the frame's, when it is JSON text
    within the limit holding an object with a string client_id of at most 64
    characters (docs/realtime-protocol.md, "Errors"); else none."""
    if kind != "text":
        return None
    if len(payload.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        return None
    try:
        data = json.loads(payload)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    client_id = data.get("client_id")
    return client_id if isinstance(client_id, str) and len(client_id) <= 64 else None


def check_reply(reply: dict, kind: str, payload, table) -> bool:
    """Assert that `reply` is the right kind of answer; True if it was an ack."""
    try:
        text = payload if kind == "text" else None
        binary = payload if kind == "bytes" else None
        message, refusal = protocol.parse(text, table, binary=binary), None
    except ProtocolError as error:
        message, refusal = None, error
    if refusal is not None:
        assert reply["type"] == "error", reply
        assert refusal.code in PARSER_CODES, refusal.code
        assert reply["code"] == refusal.code, reply
        assert reply.get("client_id") == echoed_client_id(kind, payload), reply
    elif message.type == protocol.PING:
        assert reply == {"type": "pong", "client_id": message.client_id}, reply
        return False
    elif reply["type"] == "error":
        assert reply["code"] in SERVICE_CODES, reply
        assert reply["client_id"] == message.client_id, reply
    else:
        assert reply["type"] == "ack", reply
        assert reply["client_id"] == message.client_id, reply
        return True
    assert isinstance(reply["message"], str) and reply["message"], reply
    return False


# What an unacknowledged frame must leave as it was, on both streams: the
# rows of every table a frame can write, and a fingerprint of the sessions.
FINGERPRINT = [
    (
        Reflection,
        [
            "COUNT(*)",
            "COUNT(edited_at)",
            "MAX(edited_at)",
            "COUNT(deleted_at)",
            "SUM(CASE WHEN hidden THEN 1 ELSE 0 END)",
        ],
    ),
    (Reaction, ["COUNT(*)"]),
    (Commitment, ["COUNT(*)"]),
    (BoardEvent, ["COUNT(*)"]),
    (CheckInReply, ["COUNT(*)"]),
    (CohortEvent, ["COUNT(*)"]),
    (
        CohortSession,
        [
            "SUM(last_seq)",
            "MIN(status)",
            "MAX(status)",
            "SUM(current_phase_id)",
            "SUM(CASE WHEN posting_locked THEN 1 ELSE 0 END)",
            "SUM(spotlight_id)",
            "MIN(timer_state)",
            "MAX(timer_state)",
            "MAX(timer_ends_at)",
            "SUM(timer_remaining_seconds)",
            "MAX(ended_at)",
            "MAX(updated_at)",
        ],
    ),
]
# One query: on PostgreSQL a round trip costs as much as a frame's handling.
# The names are this file's own, never a client's.
SUBQUERIES = [
    f"(SELECT {aggregate} FROM {model._meta.db_table})"  # noqa: S608
    for model, aggregates in FINGERPRINT
    for aggregate in aggregates
]
FINGERPRINT_SQL = "SELECT " + ", ".join(SUBQUERIES)


def stored() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        return tuple(cursor.fetchone())


class Fuzzer:
    """One socket on a stream, to which every generated frame is sent. Should
    a frame close it, that example fails and the next one opens a new socket,
    so that Hypothesis can shrink to the frame that did it."""

    def __init__(self, path: str, cookie: bytes, table, caplog):
        self.path = path
        self.cookie = cookie
        self.table = table
        self.caplog = caplog
        self.socket = None
        self.stored = None
        self.sent = 0
        self.outcomes = collections.Counter()  # "ack", "pong" or an error code

    async def open(self):
        self.socket = await connect(self.path, cookie=self.cookie)
        opening = await self.frame()
        assert opening["type"].endswith(".snapshot"), opening
        # Only this socket writes: each frame's state is the one before the next.
        self.stored = await database_sync_to_async(stored)()

    async def frame(self) -> dict:
        output = await self.socket.receive_output(timeout=WAIT)
        if output["type"] == "websocket.close":
            self.socket = None
            pytest.fail(f"the socket closed with {output.get('code')}")
        assert output["type"] == "websocket.send", output
        assert output.get("text") is not None, output  # the server sends text only
        return json.loads(output["text"])

    async def check(self, kind: str, payload):
        if self.socket is None:
            await self.open()
        try:
            await self._check(kind, payload)
        except BaseException:
            # Frames of a failed example may still be on their way: the next
            # example starts on a new socket, from what is stored then.
            with contextlib.suppress(Exception):
                await self.close()
            raise

    async def _check(self, kind: str, payload):
        errors_before = self.errors()
        # As Daphne hands a frame over; unlike `send_to`, this lets an empty
        # frame through.
        await self.socket.send_input({"type": "websocket.receive", kind: payload})
        # A ping after the frame: its pong proves the socket is still open,
        # and every reply before it answers the frame (one frame is handled
        # at a time, in order).
        probe = str(uuid.uuid4())
        await self.socket.send_to(text_data=json.dumps({"type": "ping", "client_id": probe}))
        replies = []
        while True:
            received = await self.frame()
            if received == {"type": "pong", "client_id": probe}:
                break
            if received["type"] in REPLY_TYPES:
                replies.append(received)
            elif received["type"] != "presence.changed":
                # An event of the stream, from an acknowledged frame.
                assert isinstance(received.get("seq"), int), received
        assert len(replies) == 1, replies
        acknowledged = check_reply(replies[0], kind, payload, self.table)
        before, self.stored = self.stored, await database_sync_to_async(stored)()
        if not acknowledged:
            assert self.stored == before
        assert self.errors() == errors_before, self.caplog.text
        self.sent += 1
        self.outcomes[replies[0].get("code", replies[0]["type"])] += 1

    def errors(self) -> list[str]:
        return [
            record.getMessage()
            for record in self.caplog.records
            if record.levelno >= logging.ERROR
        ]

    async def close(self):
        if self.socket is not None:
            socket, self.socket = self.socket, None
            await socket.disconnect()


async def fuzz(fuzzer: Fuzzer, strategy, valid: dict, examples: int = EXAMPLES):
    """Run Hypothesis in a worker thread; each example's check runs on this
    test's event loop, which the socket belongs to. `valid` is a message that
    must be acknowledged: it is sent first, whatever Hypothesis draws."""
    loop = asyncio.get_running_loop()

    @hypothesis_settings(FUZZ, max_examples=examples)
    @given(frame=strategy)
    @example(frame=("text", json.dumps({"client_id": str(uuid.uuid4()), **valid})))
    def every_frame(frame):
        asyncio.run_coroutine_threadsafe(fuzzer.check(*frame), loop).result()

    try:
        await asyncio.to_thread(every_frame)
    finally:
        await fuzzer.close()
    # The frames really went through, and many reached the services.
    print(f"{fuzzer.sent} frames: {dict(fuzzer.outcomes.most_common())}")
    assert fuzzer.sent >= min(examples, 100)
    assert fuzzer.outcomes.keys() & SERVICE_CODES
    assert fuzzer.outcomes["ack"]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Every generated frame must reach the parser and the services."""
    settings.REALTIME_RATE_BURST = 10**9
    settings.REALTIME_RATE_PER_SECOND = 10**9


@pytest.fixture
def other_cohort(globex):
    return factories.CohortFactory(organization=globex, name="Globex Leaders")


@pytest.fixture
def board_ids(cohort, facilitator, participant, other_participant, other_cohort):
    """A live session with reflections of two people, and another
    organization's live session with one of its own; their ids."""
    session = make_live_session(cohort, facilitator)
    mine = post(session, participant, "Naming the tension helped")
    theirs = post(session, other_participant, "I asked for feedback")
    other_facilitator = factories.UserFactory(email="coach@globex.test")
    factories.MembershipFactory(
        cohort=other_cohort, user=other_facilitator, role=Membership.Role.FACILITATOR
    )
    other_session = make_live_session(other_cohort, other_facilitator)
    elsewhere = post(other_session, other_facilitator, "Not for Acme's eyes")
    phases = [*session.phases.values_list("pk", flat=True)]
    return {
        "session": session.pk,
        "phase": session.current_phase_id,
        "known": [
            session.pk,
            mine.pk,
            theirs.pk,
            elsewhere.pk,
            other_session.pk,
            *phases,
            *other_session.phases.values_list("pk", flat=True),
        ],
    }


@pytest.fixture
def cohort_ids(cohort, participant, other_participant, other_cohort):
    """Check-ins of this period: the participant's, another's shared one,
    another's private one, and one in another organization's cohort; their ids."""
    start = periods.current_period(periods.rhythm_for(cohort)).start
    mine = checkin(cohort, participant, period_start=start)
    shared = checkin(cohort, other_participant, period_start=start, shared=True)
    private = checkin(
        cohort, add_participant(cohort, "p5@acme.test", "Quinn Five"), period_start=start
    )
    stranger = factories.UserFactory(email="p9@globex.test")
    factories.MembershipFactory(cohort=other_cohort, user=stranger)
    elsewhere_start = periods.current_period(periods.rhythm_for(other_cohort)).start
    elsewhere = checkin(other_cohort, stranger, period_start=elsewhere_start, shared=True)
    return [mine.pk, shared.pk, private.pk, elsewhere.pk, cohort.pk, other_cohort.pk]


# The board's frames are shared between its two kinds of sender.
async def test_board_frames(board_ids, participant, caplog):
    fuzzer = Fuzzer(
        board_path(board_ids["session"]),
        await session_cookie(participant),
        BOARD_MESSAGES,
        caplog,
    )
    post = {"type": "reflection.post", "phase": board_ids["phase"], "text": "Asked first"}
    await fuzz(fuzzer, frames(BOARD_MESSAGES, board_ids["known"]), post, EXAMPLES // 2)


async def test_board_frames_of_the_facilitator(board_ids, facilitator, caplog):
    """The facilitator's frames reach the services that run the session
    (phases, timer, spotlight, hiding, the posting lock). Never `session.end`:
    after it every frame would meet an ended session."""
    running = {kind: spec for kind, spec in BOARD_MESSAGES.items() if kind != "session.end"}
    fuzzer = Fuzzer(
        board_path(board_ids["session"]),
        await session_cookie(facilitator),
        BOARD_MESSAGES,
        caplog,
    )
    timer = {"type": "timer.start", "seconds": 300}
    await fuzz(fuzzer, frames(running, board_ids["known"]), timer, EXAMPLES - EXAMPLES // 2)


async def test_cohort_frames(cohort, cohort_ids, participant, caplog):
    fuzzer = Fuzzer(
        cohort_path(cohort.pk),
        await session_cookie(participant),
        COHORT_MESSAGES,
        caplog,
    )
    [mine, *_others] = cohort_ids
    reply = {"type": "reply.post", "checkin": mine, "text": "Same here"}
    await fuzz(fuzzer, frames(COHORT_MESSAGES, cohort_ids), reply)
