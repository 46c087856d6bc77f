"""Erasure records are a record: read, never changed by hand."""

from django.contrib import admin

from privacy.models import ErasureRecord


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = ["subject_id", "subject_label", "organization", "requested_at", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "organization"]
    list_select_related = ["organization"]
    readonly_fields = [
        "subject_id",
        "subject_label",
        "organization",
        "requested_by",
        "requested_at",
        "done_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
