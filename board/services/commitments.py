"""Commitments on a live board: what each member will do before the next
session, seen by its author and the facilitators."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from board import rules
from board.models import COMMITMENT_MAX_LENGTH, Commitment, PhaseKind
from board.services.common import clean_text, client_uuid, locked_session, refuse
from board.services.posting import require_may_post
from board.stream import commitment_payload, emit


@transaction.atomic
def add_commitment(*, access, text: str, client_id) -> Commitment:
    """Store a commitment (seen by its author and the facilitators).

    A resend with a `client_id` already used returns the stored one.
    """
    client_id = client_uuid(client_id)
    session = locked_session(access)
    existing = (
        Commitment.objects.select_related("author__user")
        .filter(author=access.membership, client_id=client_id)
        .first()
    )
    if existing is not None:
        return existing
    require_may_post(access, session)
    current = session.current_phase
    if current is None or current.kind not in {PhaseKind.COMMITMENTS, PhaseKind.CLOSE}:
        raise refuse("invalid", _("Commitments open at the commitments phase."))
    commitment = Commitment.objects.create(
        session=session,
        author=access.membership,
        text=clean_text(
            text,
            limit=COMMITMENT_MAX_LENGTH,
            too_long_message=_("A commitment can be at most %(limit)d characters.")
            % {"limit": COMMITMENT_MAX_LENGTH},
        ),
        client_id=client_id,
    )
    emit(
        session.pk,
        "commitment.added",
        {"commitment": commitment_payload(commitment)},
        to=rules.commitment_audience(commitment),
    )
    return commitment
