"""What a client may send on the session board's stream (docs/realtime-protocol.md,
part 2): {type: {field: FieldType}}, checked by realtime.protocol.parse before
anything runs."""

from __future__ import annotations

from collections.abc import Mapping

from realtime.protocol import PING, FieldType

BOARD_MESSAGES: Mapping[str, Mapping[str, FieldType]] = {
    "reflection.post": {"phase": FieldType.ID, "text": FieldType.TEXT},
    "reflection.edit": {"reflection": FieldType.ID, "text": FieldType.TEXT},
    "reflection.delete": {"reflection": FieldType.ID},
    "reaction.add": {"reflection": FieldType.ID, "emoji": FieldType.EMOJI},
    "reaction.remove": {"reflection": FieldType.ID, "emoji": FieldType.EMOJI},
    "commitment.add": {"text": FieldType.TEXT},
    "phase.goto": {"phase": FieldType.ID},
    "timer.start": {"seconds": FieldType.OPTIONAL_SECONDS},
    "timer.pause": {},
    "timer.extend": {"seconds": FieldType.SECONDS},
    "timer.clear": {},
    "spotlight.set": {"reflection": FieldType.ID_OR_NULL},
    "reflection.hide": {"reflection": FieldType.ID, "hidden": FieldType.BOOL},
    "posting.lock": {"locked": FieldType.BOOL},
    "session.end": {},
    PING: {},
}
