"""/ws/cohorts/<cohort id>/: check-ins, replies and goal updates as they happen.

A thin StreamConsumer (realtime/consumers.py): rights come from
goals.rules, writes from goals.services, shapes from goals.events.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import events, periods, rules, services
from lib.errors import DomainError
from realtime import streams
from realtime.consumers import StreamConsumer
from realtime.protocol import PING, ClientMessage, FieldType

COHORT_MESSAGES = {
    "reply.post": {"checkin": FieldType.ID, "text": FieldType.TEXT},
    PING: {},
}


def post_reply(access, message: ClientMessage) -> dict:
    checkin = rules.visible_checkins(access).filter(pk=message["checkin"]).first()
    if checkin is None:
        raise DomainError(_("No such check-in."), code="not_found")
    reply, _created = services.reply_to_checkin(
        access=access,
        checkin=checkin,
        body=message["text"],
        client_id=uuid.UUID(message.client_id),
    )
    return {"reply": events.reply_payload(reply, viewer_id=access.user.pk)}


HANDLERS = {"reply.post": post_reply}


class CohortConsumer(StreamConsumer):
    """One user's live view of a cohort between sessions."""

    stream = events.COHORT
    messages = COHORT_MESSAGES
    forbidden_message = gettext_lazy("You no longer have access to this cohort.")

    def authorize(self, user, owner_id):
        return rules.access_goals(user, owner_id)

    def make_recipient(self, access) -> streams.Recipient:
        return streams.recipient(
            events.COHORT,
            access.cohort.pk,
            user_id=access.user.pk,
            is_facilitator=rules.in_facilitators_audience(access),
        )

    def snapshot(self, access) -> dict:
        return events.cohort_snapshot(access)

    def handle(self, access, message: ClientMessage) -> dict:
        return HANDLERS[message.type](access, message)

    def recheck_replay(self, access, stored: list) -> list:
        return events.replayable(access, stored)

    def _opening(self, last_seq):
        # A resume may have no missed event to send: "cohort.resumed" tells
        # the client it is taken in (the board uses presence.changed for this).
        periods.rhythm_for(self.access.cohort)  # the stream's counter row
        frames, seq, resumed = super()._opening(last_seq)
        if resumed:
            frames.append({"type": "cohort.resumed", "seq": seq})
        return frames, seq, resumed
