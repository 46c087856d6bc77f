from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, User
from lib.admin import ConcealingDeletionMixin


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ConcealingDeletionMixin, DjangoUserAdmin):
    """Django's user admin, for a user whose login is the email."""

    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name",)}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "password1", "password2"),
            },
        ),
    )


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
