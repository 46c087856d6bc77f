from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks for this site."""

    def is_open_for_signup(self, request):
        """Invitations are the only way in: an account opened by anyone for
        any address would sit on an invitee's address before they arrive. The
        invitation page signs people up itself (cohorts.invitation_views)."""
        return False
