from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from lib.text import validate_single_line

DISPLAY_NAME_MAX_LENGTH = User._meta.get_field("display_name").max_length


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS), which
    is closed (accounts.adapter): people sign up from their invitation."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        validators=[validate_single_line],
        help_text=_("How others in your cohorts see you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["email", "display_name", "password1", "password2"]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])
