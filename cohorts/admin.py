from django.contrib import admin

from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
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
    list_display = ["__str__", "organization", "cohort", "participant", "author", "created_at"]
    list_filter = ["organization"]
    search_fields = ["body"]
    raw_id_fields = ["cohort", "participant", "author"]
    list_select_related = ["organization", "cohort", "participant__user", "author"]


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
