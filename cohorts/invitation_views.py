"""The invitation link's page, for whoever holds the link: sign up, log in, or
accept. The pages that send, resend and revoke invitations are in cohorts.views."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services import email_is_registered, unverified_account_exists
from cohorts import invitation_acceptance, invitations
from cohorts.forms import InvitationSignupForm
from cohorts.models import Invitation
from lib.errors import DomainError

# Codes of check_usable() that mean the link is spent (or its cohort has
# ended); "unknown" is a 404.
GONE = {"accepted", "revoked", "expired", "cohort_closed"}


def _unusable(request, error: DomainError):
    status = 404 if error.code == "unknown" else 410
    return render(request, "cohorts/invitation_unusable.html", {"error": error}, status=status)


def _accepted(request, invitation: Invitation):
    messages.success(
        request,
        _("Welcome to %(cohort)s.") % {"cohort": invitation.cohort.name},
    )
    return redirect("cohorts:home")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """One invitation link, for whoever holds it.

    Anonymous and new: sign up right here (the email is the invitation's and
    counts as verified). Anonymous with an account: log in first; an account
    that never verified the address counts as none, and signing up takes it
    over (invitation_acceptance.sign_up_with_invitation). Logged in as the invited email:
    accept with one button. Anything else changes nothing.
    """
    invitation = invitations.find_invitation(token)
    user = request.user
    if (
        invitation is not None
        and invitation.status == "accepted"
        and user.is_authenticated
        and invitation.accepted_by_id == user.pk
    ):
        # A double submit or a second tab: it is done already.
        messages.info(request, _("You have already accepted this invitation."))
        return redirect("cohorts:home")
    try:
        invitations.check_usable(invitation)
    except DomainError as error:
        return _unusable(request, error)
    context = {"invitation": invitation, "cohort": invitation.cohort}

    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            return render(request, "cohorts/invitation_other_account.html", context, status=403)
        if request.method == "POST":
            try:
                invitation_acceptance.accept_invitation(invitation=invitation, user=user)
            except DomainError as error:
                if error.code in GONE:
                    return _unusable(request, error)
                messages.error(request, error.message)
            else:
                return _accepted(request, invitation)
        return render(request, "cohorts/invitation.html", {**context, "mode": "accept"})

    if email_is_registered(invitation.email):
        login_url = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(
            request,
            "cohorts/invitation.html",
            {**context, "mode": "login", "login_url": login_url},
        )

    form = InvitationSignupForm(
        request.POST if request.method == "POST" else None,
        email=invitation.email,
        initial={"display_name": invitation.name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_user = invitation_acceptance.sign_up_with_invitation(
                invitation=invitation,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            if error.code in GONE:
                return _unusable(request, error)
            form.add_error(None, error.message)
        else:
            login(request, new_user, backend="allauth.account.auth_backends.AuthenticationBackend")
            return _accepted(request, invitation)
    return render(
        request,
        "cohorts/invitation.html",
        {
            **context,
            "mode": "signup",
            "form": form,
            "unverified_account": unverified_account_exists(invitation.email),
        },
    )
