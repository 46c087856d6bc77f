"""Identity questions about an email address, asked before anyone signs in."""

from allauth.account.models import EmailAddress

from accounts.models import User


def email_is_registered(email: str) -> bool:
    """True if an account has proven that `email` is its own: a verified address.

    An account that never verified the address counts as absent: anyone could
    have typed it (when sign-up was open, or as a second address of theirs),
    and the invitation link, which reached that inbox, proves more. Its
    invitee signs up from the link instead of being sent to log in to an
    account they may not know of.
    """
    return EmailAddress.objects.filter(email__iexact=email, verified=True).exists()


def unverified_account_exists(email: str) -> bool:
    """True if an account uses `email` without having verified it: signing up
    from an invitation to `email` takes that account over."""
    return not email_is_registered(email) and (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )
