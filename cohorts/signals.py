"""Enrollment signals, for apps that cohorts cannot import (goals imports cohorts).

They are sent by cohorts.services inside the transaction that makes the
change, so that what receivers write (events withdrawn or emitted) commits
or rolls back with it.
"""

from django.dispatch import Signal

# A participant's leader link changed: set, replaced, unlinked or declined.
# Keyword arguments: `membership` (saved, as it is now), `previous_leader_id`
# (None when there was no leader) and `previous_confirmed` (whether the
# previous link was confirmed, hence whether that leader could read the
# participant's leader-only goals).
leader_changed = Signal()

# A participant confirmed their leader, who may now read their leader-only
# goals. Keyword argument: `membership` (saved, as it is now).
leader_confirmed = Signal()

# A cohort is about to move to another state of its lifecycle
# (cohorts/lifecycle.py), its row locked. Keyword arguments: `cohort` (in its
# current state) and `target` (the state it moves to). A receiver refuses the
# move by raising lib.errors.DomainError, whose message the person sees.
status_changing = Signal()
