"""Sessions, agendas and the live board: every operation, used by views and consumers.

Each operation is atomic and keyword-only, takes the caller's access object
(`CohortAccess` to schedule, board.rules' `SessionAccess` for a session),
and raises DomainError with a protocol error code
(docs/realtime-protocol.md) when a rule refuses it, leaving everything as it
was. Board operations lock the session row first, so that changes to one board
happen one at a time and their events are numbered in commit order; the event
is stored with the change and broadcast after commit (board.stream.emit).
"""

from board.services.agenda import (  # noqa: F401
    SERIES_INTERVALS_WEEKS,
    SERIES_MAX_SESSIONS,
    SERIES_MIN_SESSIONS,
    add_phase,
    agenda_templates_for,
    apply_agenda_template,
    cancel_session,
    create_session,
    move_phase,
    remove_phase,
    reorder_phases,
    save_agenda_template,
    schedule_sessions,
    sessions_for_cohort,
    update_phase,
    update_session,
)
from board.services.commitments import add_commitment  # noqa: F401
from board.services.common import (  # noqa: F401
    DEFAULT_AGENDA,
    MAX_DURATION_MINUTES,
    MAX_EXTEND_SECONDS,
    MAX_TIMEBOX_MINUTES,
    MAX_TIMER_SECONDS,
    PROMPT_MAX_LENGTH,
    TEMPLATE_NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Status,
    Timer,
    default_agenda,
)
from board.services.facilitating import (  # noqa: F401
    clear_timer,
    end_session,
    extend_timer,
    goto_phase,
    hide_reflection,
    pause_timer,
    set_posting_locked,
    set_spotlight,
    start_session,
    start_timer,
)
from board.services.posting import (  # noqa: F401
    Posted,
    PostRequest,
    delete_reflection,
    edit_reflection,
    post_reflection,
    post_reflections,
)
from board.services.reactions import Reactions, add_reaction, remove_reaction  # noqa: F401
from board.services.reads import (  # noqa: F401
    board_snapshot,
    commitment_for,
    join_board,
    leave_board,
    posted_for,
    presence_frame,
    reflection_for,
    replayable_events,
    session_summary,
    touch_presence,
)
