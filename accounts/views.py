from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts import services
from cohorts.errors import DomainError


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = services.find_invitation(token)
    try:
        services.check_usable(invitation)
    except DomainError as error:
        return render(request, "accounts/invitation_unusable.html", {"error": error}, status=410)
    return render(request, "accounts/invitation.html", {"invitation": invitation})
