"""Settings from the environment: the deploy check, and the README's table."""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings

BASE_DIR = settings.BASE_DIR


def clean_environ(**env) -> dict[str, str]:
    """This environment plus `env`, without the flag the browser tests' conftest
    sets for the whole test process (the deploy check rightly refuses it)."""
    environ = {**os.environ, **env}
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environ


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_environ(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_the_documented_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_environ(
            DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40)[:50], ALLOWED_HOSTS="example.com"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cache_is_shared_through_redis_only_when_asked():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    shared = run_python(code, CACHE_REDIS_URL="redis://127.0.0.1:6379/1")
    local = run_python(code, CACHE_REDIS_URL="")
    assert shared.stdout.strip() == "django.core.cache.backends.redis.RedisCache", shared.stderr
    assert local.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache", local.stderr


def test_a_malformed_boolean_is_refused_by_name():
    result = run_python("import django; django.setup()", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_every_environment_variable_of_the_settings_is_in_the_readme():
    source = (BASE_DIR / "config" / "settings.py").read_text()
    names = set(
        re.findall(r'env_(?:bool|int|list)\(\s*"([A-Z][A-Z0-9_]+)"', source)
        + re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', source)
    )
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= names
    readme = (BASE_DIR / "README.md").read_text()
    table_rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    missing = sorted(names - table_rows)
    assert not missing, f"add these to the README's configuration table: {missing}"
