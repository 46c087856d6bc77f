"""Each person's settings page, and the one-click unsubscribe link of the
reminder emails (notifications/preferences.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ProfileForm
from accounts.models import User
from board import calendar
from notifications import preferences
from notifications.forms import EmailPreferencesForm

SECTIONS = ("profile", "emails")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Profile, emails and calendar; each of the first two is saved on its own."""
    section = request.POST.get("section") if request.method == "POST" else None
    # The form changes a copy: on an error the header keeps the saved name.
    profile_form = ProfileForm(
        request.POST if section == "profile" else None,
        instance=User.objects.get(pk=request.user.pk),
        prefix="profile",
    )
    emails_form = EmailPreferencesForm(
        request.POST if section == "emails" else None,
        enabled=preferences.enabled_kinds(request.user),
        prefix="emails",
    )
    status = 200
    if section == "profile":
        if profile_form.is_valid():
            profile_form.save()
            messages.success(request, _("Saved."))
            return redirect("notifications:settings")
        status = 400
    elif section == "emails":
        if emails_form.is_valid():
            preferences.set_enabled_kinds(user=request.user, kinds=emails_form.enabled_kinds)
            messages.success(request, _("Saved."))
            return redirect("notifications:settings")
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "notifications/settings.html",
        {
            "profile_form": profile_form,
            "emails_form": emails_form,
            "calendar_feed_url": calendar.feed_url(request, request.user),
        },
        status=status,
    )


# Mail clients send the one-click POST with no cookie and no CSRF token
# (RFC 8058): the signed token is what authorizes it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows one button and changes nothing (mail scanners fetch links);
    POST turns off the token's kind for the token's person, with no login."""
    found = preferences.read_unsubscribe_token(token)
    if found is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    done = request.method == "POST"
    if done:
        preferences.turn_off(user=found.user, kind=found.kind)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"kind": found.kind, "email": found.user.email, "done": done},
    )


@login_required
@require_POST
def reset_calendar(request):
    """A new calendar link; every earlier one stops working (board/calendar.py)."""
    calendar.reset_feed(request.user)
    messages.success(
        request,
        _(
            "Your calendar link is new. Subscribe your calendar app to it: the old link "
            "no longer works."
        ),
    )
    return redirect("notifications:settings")
