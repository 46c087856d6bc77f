"""The record of each erasure: asked for, by whom, and when it was carried out."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.models import Organization


class ErasureRecordQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(done_at__isnull=True)


class ErasureRecord(models.Model):
    """One person's erasure, requested by an HR admin or run by the operator.

    `subject_id` is a plain number, not a foreign key: the record outlives
    everything personal about the subject, and a foreign key would keep
    pointing a reader at them. `subject_label` holds the name HR saw when
    asking, and is replaced by the former-participant label once done.
    """

    subject_id = models.PositiveBigIntegerField(_("subject id"), db_index=True)
    subject_label = models.CharField(_("subject"), max_length=160)
    # The organization whose HR admins see the record; empty when the operator
    # ran the erasure without a request.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="erasure_records",
        verbose_name=_("organization"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = ErasureRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per person and organization: asking twice
            # changes nothing.
            models.UniqueConstraint(
                fields=["subject_id", "organization"],
                condition=models.Q(done_at__isnull=True),
                name="one_pending_erasure_per_org",
            )
        ]

    def __str__(self):
        return f"#{self.subject_id} · {self.subject_label}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
