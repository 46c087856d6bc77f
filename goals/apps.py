from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "goals"
    verbose_name = _("Goals and check-ins")

    def ready(self):
        from cohorts import signals
        from goals import receivers

        signals.leader_changed.connect(
            receivers.withdraw_from_previous_leader, dispatch_uid="goals.leader_changed"
        )
        signals.leader_confirmed.connect(
            receivers.show_to_confirmed_leader, dispatch_uid="goals.leader_confirmed"
        )
