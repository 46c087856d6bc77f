"""Admin for reminders: opt-outs can be changed; sent reminders are a record.

An operator may delete a SentReminder row (say, one left claimed by a crash)
to let the next run send that reminder again.
"""

from django.contrib import admin

from notifications.models import EmailOptOut, SentReminder


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["user"]


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "key", "state", "claimed_at", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), "failed_at"]
    search_fields = ["user__email", "key"]
    list_select_related = ["user"]
    date_hierarchy = "claimed_at"
    readonly_fields = [
        "user",
        "kind",
        "key",
        "claimed_at",
        "sent_at",
        "failed_at",
        "attempts",
        "last_error",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
