"""Helpers shared by the goals services."""

from __future__ import annotations

import datetime
import functools

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from cohorts import lifecycle
from cohorts.models import Cohort
from goals.models import (
    TEXT_MAX_LENGTH,
)
from lib.errors import DomainError
from lib.text import is_single_line, single_line_message

TITLE_MAX_LENGTH = 200
# Past rounds a rotation tries not to repeat.
ROTATION_MEMORY = 3


def forbidden(access=None) -> DomainError:
    """The refusal of a write the rules do not allow; with the caller's
    access, the cohort's own reason when its state is what refuses it
    (completed or archived: cohorts/lifecycle.py)."""
    if access is not None and not access.is_open_for_work:
        return lifecycle.closed_error(access.cohort)
    return DomainError(_("You may not do this."), code="forbidden")


def in_open_cohort(service):
    """The service's transaction, which first reads the cohort's state afresh:
    a write racing the click that completes the cohort either lands before it
    or is refused, never after it on the strength of a page loaded before."""

    @functools.wraps(service)
    @transaction.atomic
    def write(*args, access, **kwargs):
        lifecycle.check_open_for_work(Cohort.objects.only("status").get(pk=access.cohort.pk))
        return service(*args, access=access, **kwargs)

    return write


def clean_text(
    value: str | None,
    *,
    label: str,
    required: bool = False,
    limit=TEXT_MAX_LENGTH,
    single_line: bool = False,
):
    """The text stripped, or DomainError; a title is `single_line` (lib/text.py)."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(
            _("%(field)s cannot be empty.") % {"field": label.capitalize()}, code="empty"
        )
    if len(value) > limit:
        raise DomainError(
            _("%(field)s can be at most %(limit)d characters.")
            % {"field": label.capitalize(), "limit": limit},
            code="too_long",
        )
    if single_line and not is_single_line(value):
        raise DomainError(single_line_message(label), code="invalid")
    return value


def day_text(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")
