"""Django admin: every model of the project is registered and its pages open."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from cohorts.services import update_background_note
from tests import factories

pytestmark = pytest.mark.django_db

FOUNDATION_APPS = ("accounts", "cohorts")


def project_models():
    """The models of the apps in this repository (not Django's, not allauth's)."""
    return [
        model
        for app in apps.get_app_configs()
        if Path(app.path).parent == settings.BASE_DIR
        for model in app.get_models()
    ]


def in_admin(model) -> bool:
    """Registered, or edited inline on a registered model's page."""
    if admin.site.is_registered(model):
        return True
    return any(
        inline.model is model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    )


def test_every_model_of_the_project_is_in_the_admin():
    missing = [model._meta.label for model in project_models() if not in_admin(model)]
    assert not missing, f"register these in their app's admin.py: {missing}"
    assert {model._meta.app_label for model in project_models()} >= set(FOUNDATION_APPS)


@pytest.mark.parametrize("app_label", FOUNDATION_APPS)
def test_admin_pages_open_for_a_superuser(client, app_label, cohort, participant, acme, rf):
    factories.InvitationFactory(cohort=cohort)
    note = factories.BackgroundNoteFactory(organization=acme)
    superuser = factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    update_background_note(note=note, body="Changed.", changed_by=superuser)
    client.force_login(superuser)
    request = rf.get("/admin/")
    request.user = superuser
    for model in apps.get_app_config(app_label).get_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        # Records (such as the notes' history) can be read but not added.
        addable = admin.site.get_model_admin(model).has_add_permission(request)
        assert client.get(add).status_code == (200 if addable else 403), add
        instance = model.objects.first()
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
        assert client.get(change).status_code == 200, change


def test_admin_creates_a_user_by_email(client):
    superuser = factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "made@example.test",
            "display_name": "Made Here",
            "password1": "a-long-passphrase-7",
            "password2": "a-long-passphrase-7",
            "usable_password": "true",
        },
    )
    from accounts.models import User

    assert User.objects.get(email="made@example.test").check_password("a-long-passphrase-7")
