from django.contrib import admin

from goals.models import (
    CheckIn,
    CheckInReply,
    CohortEvent,
    CohortRhythm,
    Goal,
    GoalNote,
    GoalRevision,
    Milestone,
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
    ProgressUpdate,
)


@admin.register(CohortRhythm)
class CohortRhythmAdmin(admin.ModelAdmin):
    # The time zone is the cohort's (Cohort.time_zone), edited with the cohort.
    list_display = ["cohort", "cadence", "weekday", "participants_see_leader_goals"]
    list_filter = ["cadence", "participants_see_leader_goals"]
    readonly_fields = ["last_seq"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class ProgressInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["on", "value", "note", "author", "checkin", "milestone"]
    raw_id_fields = ["author", "checkin", "milestone"]


class NoteInline(admin.TabularInline):
    model = GoalNote
    extra = 0
    raw_id_fields = ["author"]


class RevisionInline(admin.TabularInline):
    model = GoalRevision
    extra = 0
    readonly_fields = ["changed_by", "changed_at", "changes"]
    can_delete = False


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "cohort", "kind", "owner", "status", "visibility", "target_date"]
    list_filter = ["kind", "status", "visibility", "cohort__organization"]
    search_fields = ["title", "owner__user__email", "owner__user__display_name"]
    raw_id_fields = ["owner", "created_by", "facilitator_agreed_by"]
    filter_horizontal = ["commitments"]
    inlines = [MilestoneInline, ProgressInline, NoteInline, RevisionInline]


class ReplyInline(admin.TabularInline):
    model = CheckInReply
    extra = 0
    raw_id_fields = ["author"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["author", "cohort", "period_start", "energy", "shared_with_cohort"]
    list_filter = ["shared_with_cohort", "cohort__organization", "period_start"]
    search_fields = ["author__user__email", "author__user__display_name"]
    raw_id_fields = ["author", "partner_round"]
    inlines = [ReplyInline]


class SlotInline(admin.TabularInline):
    model = PartnerSlot
    extra = 0
    raw_id_fields = ["membership", "group"]


@admin.register(PartnerRound)
class PartnerRoundAdmin(admin.ModelAdmin):
    list_display = ["cohort", "created_at", "created_by"]
    list_filter = ["cohort__organization"]
    inlines = [SlotInline]


admin.site.register(PartnerGroup)


@admin.register(CohortEvent)
class CohortEventAdmin(admin.ModelAdmin):
    list_display = ["rhythm", "seq", "type", "audience", "created_at"]
    list_filter = ["type"]
    readonly_fields = ["rhythm", "seq", "type", "payload", "audience", "user_ids", "created_at"]
