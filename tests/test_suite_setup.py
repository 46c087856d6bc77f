"""What the test suite's own setup (tests/conftest.py) takes for granted."""

import weakref

from django.db.models.signals import post_migrate

from tests.conftest import KEPT_BY_FLUSH


def test_post_migrate_writes_only_the_tables_the_flush_keeps():
    """The flush between transactional tests skips post_migrate: that is safe
    while its only receivers are the ones that fill the kept tables."""
    functions = [
        ref() if isinstance(ref, weakref.ReferenceType) else ref
        for _key, ref, *_rest in post_migrate.receivers
    ]
    receivers = {f"{function.__module__}.{function.__name__}" for function in functions}
    assert receivers == {
        "django.contrib.auth.management.create_permissions",
        "django.contrib.contenttypes.management.create_contenttypes",
    }
    assert KEPT_BY_FLUSH == {"django_content_type", "auth_permission"}
