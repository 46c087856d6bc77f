"""Realtime protocol v1: what a client may send, checked before anything runs.

docs/realtime-protocol.md is the full contract; this module enforces its frame
rules. Every client frame is one JSON object with a "type" and a "client_id"
(a UUID string), at most 16 KiB. `parse` checks size, JSON, known type and
field types and returns a `ClientMessage`, or raises `ProtocolError(code,
message)`; value rules (lengths, states, rights) belong to the services.

    client -> server  {"type": "<kind>.<verb>", "client_id": "<uuid>", <fields>}
    server -> client  {"type": "ack", "client_id": "<uuid>", <what the service returns>}
                      {"type": "error", "code": "too_long", "message": "...",
                       "client_id": "<uuid>"}
                      {"type": "<kind>.<event>", "seq": 43, <payload>}

Each stream lists its client messages as {type: {field: FieldType}}, PING
among them, beside its consumer.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_FRAME_BYTES = 16 * 1024
PROTOCOL_VERSION = 1


class ProtocolError(Exception):
    """A frame refused before any service ran; sent back as an error frame."""

    def __init__(self, code: str, message: str, *, client_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


class FieldType(enum.Enum):
    ID = "id"  # a positive integer
    ID_OR_NULL = "id_or_null"
    TEXT = "text"  # a string (lengths are the services' rule)
    BOOL = "bool"
    SECONDS = "seconds"  # a whole number of seconds
    OPTIONAL_SECONDS = "optional_seconds"
    EMOJI = "emoji"  # a string naming a reaction; the service checks which


_OPTIONAL = {FieldType.OPTIONAL_SECONDS}


@dataclass(frozen=True)
class ClientMessage:
    type: str
    client_id: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


PING = "ping"

MAX_INT = 2**63 - 1  # the largest id a database column holds


def _is_int(value) -> bool:
    # JSON true/false arrive as bool, a subclass of int: never an id.
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT


def _check_field(name: str, kind: FieldType, value, client_id: str) -> Any:
    ok = {
        FieldType.ID: lambda v: _is_int(v) and v > 0,
        FieldType.ID_OR_NULL: lambda v: v is None or (_is_int(v) and v > 0),
        FieldType.TEXT: lambda v: isinstance(v, str),
        FieldType.BOOL: lambda v: isinstance(v, bool),
        FieldType.SECONDS: _is_int,
        FieldType.OPTIONAL_SECONDS: lambda v: v is None or _is_int(v),
        FieldType.EMOJI: lambda v: isinstance(v, str),
    }[kind](value)
    if not ok:
        raise ProtocolError(
            "bad_frame",
            _("The field “%(field)s” has the wrong type.") % {"field": name},
            client_id=client_id,
        )
    return value


def parse(
    text: str | None,
    messages: Mapping[str, Mapping[str, FieldType]],
    *,
    binary: bytes | None = None,
) -> ClientMessage:
    """Check size, JSON, known type and field types; raise ProtocolError(code, message).

    Fields not listed for the type are ignored, so a newer client's extra
    fields do no harm.
    """
    if text is None:
        if binary is not None and len(binary) > MAX_FRAME_BYTES:
            raise ProtocolError("too_large", _("The message is too large."))
        raise ProtocolError("bad_json", _("Send JSON text frames only."))
    if len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise ProtocolError("too_large", _("The message is too large."))
    try:
        data = json.loads(text)
        # An escape such as "\ud800" decodes to a lone surrogate, which no
        # UTF-8 text (a reply frame, a database row) can hold.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise ProtocolError("bad_json", _("The message is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_frame", _("The message must be a JSON object."))
    raw_client_id = data.get("client_id")
    # Echo a client_id back whenever there is a plausible one, so the client
    # can match the error to what it sent.
    client_id = (
        raw_client_id if isinstance(raw_client_id, str) and len(raw_client_id) <= 64 else None
    )
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", _("The message needs a “type”."), client_id=client_id)
    if client_id is None:
        raise ProtocolError("bad_frame", _("The message needs a “client_id”."))
    try:
        uuid.UUID(client_id)
    except ValueError:
        raise ProtocolError(
            "bad_frame", _("The “client_id” must be a UUID."), client_id=client_id
        ) from None
    spec = messages.get(kind)
    if spec is None:
        raise ProtocolError(
            "unknown_type",
            _("Unknown message type “%(type)s”.") % {"type": kind[:40]},
            client_id=client_id,
        )
    fields = {}
    for name, field_type in spec.items():
        if name not in data:
            if field_type in _OPTIONAL:
                fields[name] = None
                continue
            raise ProtocolError(
                "bad_frame",
                _("The field “%(field)s” is missing.") % {"field": name},
                client_id=client_id,
            )
        fields[name] = _check_field(name, field_type, data[name], client_id)
    return ClientMessage(type=kind, client_id=client_id, fields=fields)


def ack(client_id: str, **extra) -> dict:
    return {"type": "ack", "client_id": client_id, **extra}


def error(code: str, message: str, client_id: str | None = None) -> dict:
    frame = {"type": "error", "code": code, "message": str(message)}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def pong(client_id: str) -> dict:
    return {"type": "pong", "client_id": client_id}
