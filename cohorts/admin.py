from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cohorts import services
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
    Invitation,
    Membership,
    Organization,
    OrganizationMembership,
)
from lib.admin import ConcealingModelAdmin


class OrganizationMembershipInline(admin.TabularInline):
    model = OrganizationMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ConcealingModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganizationMembershipInline]


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__display_name", "organization__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organization"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "leader"]


@admin.register(Cohort)
class CohortAdmin(ConcealingModelAdmin):
    list_display = ["name", "organization", "kind", "status", "capacity", "starts_on", "ends_on"]
    list_filter = ["status", "kind", "organization"]
    search_fields = ["name", "organization__name"]
    date_hierarchy = "starts_on"
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ConcealingModelAdmin):
    list_display = ["user", "cohort", "role", "leader", "joined_at"]
    list_filter = ["role", "cohort__organization"]
    search_fields = ["user__email", "user__display_name", "cohort__name"]
    raw_id_fields = ["user", "leader", "cohort"]
    list_select_related = ["user", "cohort", "leader"]


@admin.register(BackgroundNote)
class BackgroundNoteAdmin(admin.ModelAdmin):
    """Edits and deletions go through cohorts.services, as on the site, so the
    earlier text stays in the notes' history here too. A note's text is all
    that changes: what it is about, who wrote it and when stay as recorded."""

    list_display = ["__str__", "organization", "cohort", "participant", "author", "created_at"]
    list_filter = ["organization"]
    search_fields = ["body"]
    raw_id_fields = ["cohort", "participant", "author"]
    list_select_related = ["organization", "cohort", "participant__user", "author"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organization", "cohort", "participant", "author", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            services.update_background_note(note=obj, body=obj.body, changed_by=request.user)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.delete_background_note(note=obj, deleted_by=request.user)

    def delete_queryset(self, request, queryset):
        for note in queryset:
            services.delete_background_note(note=note, deleted_by=request.user)


@admin.register(BackgroundNoteRevision)
class BackgroundNoteRevisionAdmin(admin.ModelAdmin):
    """The record of notes' earlier states: read, never written, here too."""

    list_display = ["changed_at", "action", "organization", "cohort", "subject", "changed_by"]
    list_filter = ["action", "organization"]
    search_fields = ["body", "subject"]
    list_select_related = ["organization", "cohort", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "cohort", "role", "status_display", "sent_at", "expires_at"]
    list_filter = ["role", "cohort__organization"]
    search_fields = ["email", "name", "cohort__name"]
    list_select_related = ["cohort"]
    raw_id_fields = ["cohort", "invited_by", "accepted_by"]
    # The token exists only in the email; the stored hash is useless to show.
    exclude = ["token_hash"]
    readonly_fields = ["created_at", "sent_at", "send_count", "accepted_at", "accepted_by"]

    @admin.display(description=_("status"))
    def status_display(self, invitation):
        return invitation.get_status_display()
