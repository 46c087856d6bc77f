from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin


class ReadOnlyLogEntryAdmin(LogEntryAdmin):
    """The trail is read, never edited: auditlog's admin already refuses
    adding and changing, and lets an entry go only along with a deleted
    content type; here no entry is deleted at all."""

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, ReadOnlyLogEntryAdmin)
