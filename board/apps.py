from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "board"
    verbose_name = _("Session board")

    def ready(self):
        from board import receivers
        from cohorts import signals

        signals.status_changing.connect(
            receivers.refuse_to_stop_a_live_session, dispatch_uid="board.status_changing"
        )
