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


class ProfileForm(forms.ModelForm):
    """What a person sets about themselves: the name others see and the time
    zone their pages show times in (blank: the browser's)."""

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]
        labels = {"display_name": _("Your name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name"].validators.append(validate_single_line)
        self.fields["time_zone"].choices = [("", _("Follow my browser"))] + [
            choice for choice in self.fields["time_zone"].choices if choice[0]
        ]

    def clean_display_name(self):
        return self.cleaned_data["display_name"].strip()
