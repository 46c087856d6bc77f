from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        # Registered once every app's models are loaded; this app sits above
        # the features it records, so none of them names it.
        from audit import registry

        registry.register_audited_models()
