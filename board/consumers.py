"""/ws/sessions/<session id>/: the live session board.

A thin StreamConsumer (realtime/consumers.py): rights come from board.rules,
writes and reads from board.services, the message table from board.messages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from board import rules
from board import services as board_services
from board.messages import BOARD_MESSAGES
from board.stream import BOARD
from lib.errors import DomainError
from realtime import protocol, streams
from realtime.consumers import StreamConsumer
from realtime.protocol import ClientMessage


def _reflection_ack(access, reflection) -> dict:
    return {"reflection": board_services.reflection_for(access, reflection)}


def _posted_ack(access, posted) -> dict:
    return {"reflection": board_services.posted_for(access, posted)}


def _reactions_ack(result) -> dict:
    return {
        "reflection": result.reflection_id,
        "reactions": result.counts,
        "my_reactions": result.mine,
    }


def _nothing(_result) -> dict:
    return {}


# One line per client message: the service it calls and what its ack carries.
BOARD_HANDLERS = {
    "reflection.post": lambda a, m: _posted_ack(
        a,
        board_services.post_reflection(
            access=a, phase_id=m["phase"], text=m["text"], client_id=m.client_id
        ),
    ),
    "reflection.edit": lambda a, m: _reflection_ack(
        a, board_services.edit_reflection(access=a, reflection_id=m["reflection"], text=m["text"])
    ),
    "reflection.delete": lambda a, m: _nothing(
        board_services.delete_reflection(access=a, reflection_id=m["reflection"])
    ),
    "reaction.add": lambda a, m: _reactions_ack(
        board_services.add_reaction(access=a, reflection_id=m["reflection"], emoji=m["emoji"])
    ),
    "reaction.remove": lambda a, m: _reactions_ack(
        board_services.remove_reaction(access=a, reflection_id=m["reflection"], emoji=m["emoji"])
    ),
    "commitment.add": lambda a, m: {
        "commitment": board_services.commitment_for(
            a, board_services.add_commitment(access=a, text=m["text"], client_id=m.client_id)
        )
    },
    "phase.goto": lambda a, m: _nothing(board_services.goto_phase(access=a, phase_id=m["phase"])),
    "timer.start": lambda a, m: _nothing(
        board_services.start_timer(access=a, seconds=m["seconds"])
    ),
    "timer.pause": lambda a, m: _nothing(board_services.pause_timer(access=a)),
    "timer.extend": lambda a, m: _nothing(
        board_services.extend_timer(access=a, seconds=m["seconds"])
    ),
    "timer.clear": lambda a, m: _nothing(board_services.clear_timer(access=a)),
    "spotlight.set": lambda a, m: _nothing(
        board_services.set_spotlight(access=a, reflection_id=m["reflection"])
    ),
    "reflection.hide": lambda a, m: _nothing(
        board_services.hide_reflection(access=a, reflection_id=m["reflection"], hidden=m["hidden"])
    ),
    "posting.lock": lambda a, m: _nothing(
        board_services.set_posting_locked(access=a, locked=m["locked"])
    ),
    "session.end": lambda a, m: _nothing(board_services.end_session(access=a)),
}


class BoardConsumer(StreamConsumer):
    """/ws/sessions/<pk>/: one member's live session board."""

    stream = BOARD
    messages = BOARD_MESSAGES
    has_presence = True
    forbidden_message = _("You no longer have access to this board.")

    def authorize(self, user, owner_id):
        access = rules.access_session(user, owner_id)
        if not access.can_open_board:
            raise PermissionDenied
        return access

    def make_recipient(self, access) -> streams.Recipient:
        return access.recipient

    def snapshot(self, access) -> dict:
        return board_services.board_snapshot(access)

    def recheck_replay(self, access, events: list) -> list:
        return board_services.replayable_events(access, events)

    def handle(self, access, message: ClientMessage) -> dict:
        return BOARD_HANDLERS[message.type](access, message)

    bulk_handlers = {"reflection.post": "post_many"}

    def reauthorize(self, access):
        return rules.recheck_session_access(access)

    @classmethod
    def post_many(cls, items) -> list[dict]:
        """The replies to a batch's reflection.post frames, given as
        (consumer, message) pairs, stored with one call of the service."""
        accesses = rules.recheck_session_accesses([consumer.access for consumer, _ in items])
        replies: list[dict | None] = [None] * len(items)
        requests, indexes = [], []
        for index, ((_consumer, message), access) in enumerate(zip(items, accesses, strict=True)):
            if access is None:
                replies[index] = cls.refusal(PermissionDenied(), message.client_id)
                continue
            requests.append(
                board_services.PostRequest(
                    access=access,
                    phase_id=message["phase"],
                    text=message["text"],
                    client_id=message.client_id,
                )
            )
            indexes.append(index)
        outcomes = board_services.post_reflections(requests)
        for index, request, outcome in zip(indexes, requests, outcomes, strict=True):
            client_id = items[index][1].client_id
            if isinstance(outcome, DomainError):
                replies[index] = cls.refusal(outcome, client_id)
            else:
                replies[index] = protocol.ack(client_id, **_posted_ack(request.access, outcome))
        return replies

    @classmethod
    def recheck_all(cls, consumers) -> list[StreamConsumer]:
        """Every board socket of this process in two queries and two writes."""
        accesses = rules.recheck_session_accesses([c.access for c in consumers])
        refused, present = [], []
        for consumer, access in zip(consumers, accesses, strict=True):
            if access is None:
                refused.append(consumer)
                continue
            if access is not consumer.access:
                consumer.recipient = consumer.make_recipient(access)
            consumer.access = access
            present.append(consumer.channel_name)
        board_services.touch_presence(channel_names=present)
        return refused

    def join(self, access) -> None:
        board_services.join_board(access=access, channel_name=self.channel_name)

    def leave(self) -> None:
        board_services.leave_board(channel_name=self.channel_name)

    def presence_frame(self) -> dict:
        return board_services.presence_frame(self.owner_id)
