"""realtime.protocol.parse on its own, and a guard that every board message is tested."""

import json
import re
from pathlib import Path

import pytest

from board.messages import BOARD_MESSAGES
from realtime.protocol import MAX_FRAME_BYTES, PING, ProtocolError, parse

# Fixed, not random: it is part of a test id, which every xdist worker must
# collect alike.
CLIENT_ID = "0b6c1f3e-2a4d-4e8f-9c71-5d3a2b1e0f64"


def frame(**data):
    return json.dumps({"client_id": CLIENT_ID, **data})


def test_parse_returns_the_typed_fields():
    message = parse(
        frame(type="reflection.post", phase=3, text="Hi", extra="ignored"), BOARD_MESSAGES
    )
    assert message.type == "reflection.post"
    assert message.client_id == CLIENT_ID
    assert message.fields == {"phase": 3, "text": "Hi"}


def test_optional_fields_default_to_none():
    assert parse(frame(type="timer.start"), BOARD_MESSAGES)["seconds"] is None
    assert (
        parse(frame(type="spotlight.set", reflection=None), BOARD_MESSAGES)["reflection"] is None
    )


def test_multibyte_text_is_measured_in_bytes():
    text = "é" * (MAX_FRAME_BYTES // 2)  # fewer characters than the limit, more bytes
    with pytest.raises(ProtocolError) as error:
        parse(frame(type="reflection.post", phase=1, text=text), BOARD_MESSAGES)
    assert error.value.code == "too_large"


def test_none_and_binary_frames_are_not_json():
    with pytest.raises(ProtocolError) as error:
        parse(None, BOARD_MESSAGES, binary=b"{}")
    assert error.value.code == "bad_json"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,  # deep nesting: RecursionError inside json
        '{"type": "reflection.post", "client_id": "\\ud800", "phase": 1, "text": "x"}',
        '{"type": "\\udfff", "client_id": "' + CLIENT_ID + '"}',
        frame(type="reflection.post", phase=1, text="half an emoji \ud83d"),
    ],
)
def test_frames_no_reply_could_echo_are_bad_json(text):
    with pytest.raises(ProtocolError) as error:
        parse(text, BOARD_MESSAGES)
    assert error.value.code == "bad_json"
    assert error.value.client_id is None


def test_an_id_past_any_database_column_is_a_bad_frame():
    with pytest.raises(ProtocolError) as error:
        parse(frame(type="reflection.delete", reflection=10**30), BOARD_MESSAGES)
    assert error.value.code == "bad_frame"
    assert error.value.client_id == CLIENT_ID


def _tested_types() -> set[str]:
    here = Path(__file__).parent
    sources = "\n".join(path.read_text() for path in here.glob("test_board_*.py"))
    sources += "\n".join(path.read_text() for path in here.parent.glob("multiprocess/test_*.py"))
    return set(re.findall(r'\.(?:request|send)\(\s*"([a-z_.]+)"', sources)) | set(
        re.findall(r'\(\s*"([a-z_.]+)",\s*\{', sources)
    )


def test_every_client_message_type_has_a_consumer_test():
    """Adding a message type to protocol.py without a test fails here."""
    untested = set(BOARD_MESSAGES) - _tested_types()
    assert not untested, f"no consumer test sends: {sorted(untested)}"


def test_ping_is_a_board_message():
    assert PING in BOARD_MESSAGES
