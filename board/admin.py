"""Admin for sessions and boards.

Changes made here are not broadcast to open boards (they bypass the services
and the event log); clients see them on their next snapshot. The event log,
presence and attendance are records, so they are read-only.
"""

from django.contrib import admin

from board.models import (
    AgendaTemplate,
    Attendance,
    BoardEvent,
    CalendarFeed,
    CohortSession,
    Commitment,
    Phase,
    Presence,
    Reaction,
    Reflection,
)
from lib.admin import ConcealingModelAdmin


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    ordering = ["position"]


@admin.register(CohortSession)
class CohortSessionAdmin(ConcealingModelAdmin):
    list_display = ["title", "cohort", "starts_at", "status", "last_seq"]
    list_filter = ["status", "cohort__organization"]
    search_fields = ["title", "cohort__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["cohort"]
    raw_id_fields = ["cohort", "current_phase", "spotlight", "created_by"]
    readonly_fields = ["last_seq", "started_at", "ended_at", "created_at"]
    inlines = [PhaseInline]


@admin.register(AgendaTemplate)
class AgendaTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]


@admin.register(Reflection)
class ReflectionAdmin(ConcealingModelAdmin):
    """Anonymous stays anonymous here too: an anonymous reflection's page has
    no author field, and no list can be filtered or searched by author."""

    list_display = ["__str__", "session", "phase", "anonymous", "hidden", "created_at"]
    list_filter = ["hidden", "anonymous", "session__cohort__organization"]
    search_fields = ["text", "session__title"]
    list_select_related = ["session", "phase"]
    raw_id_fields = ["phase", "session", "author"]
    readonly_fields = ["client_id", "created_at", "edited_at", "deleted_at", "spotlighted_at"]

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if obj is not None and obj.anonymous:
            excluded.append("author")
        return excluded

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] == "author":
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["emoji", "reflection", "member", "created_at"]
    list_filter = ["emoji"]
    raw_id_fields = ["reflection", "member"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "session", "author", "created_at"]
    search_fields = ["text", "session__title"]
    list_select_related = ["session", "author__user"]
    raw_id_fields = ["session", "author"]
    readonly_fields = ["client_id", "created_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BoardEvent)
class BoardEventAdmin(ReadOnlyAdmin):
    list_display = ["session", "seq", "type", "audience", "created_at"]
    list_filter = ["type", "audience"]
    list_select_related = ["session"]
    ordering = ["session", "-seq"]


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    list_display = ["membership", "session", "connected_at", "seen_at"]
    list_select_related = ["membership__user", "session"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["membership", "session", "first_joined_at", "last_seen_at"]
    list_select_related = ["membership__user", "session"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "reset_at"]
    list_select_related = ["user"]
