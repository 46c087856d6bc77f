"""Settings for the cohort platform, read from the environment.

The embedded default (SQLite, in-memory channel layer, one Daphne process) applies
unless DATABASE_URL or REDIS_URL say otherwise. Every variable is listed in the
README's configuration table.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lib.logs import mask_daphne_access_log

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once for this checkout.

    No key is ever committed: a machine without SECRET_KEY keeps its own in
    `.secret_key` (git-ignored), shared by every Daphne process on that machine.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
if not DEBUG and "*" in ALLOWED_HOSTS:
    # "*" would accept any Host header and names no host the websocket origin
    # check or the Content-Security-Policy could allow (realtime/origins.py).
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must list this site's host names when DEBUG is off, not '*'"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Served over HTTPS (usually behind a proxy that terminates TLS). On by default
# outside DEBUG so that `check --deploy` passes with no further setting.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "auditlog",
    "accounts",
    "cohorts",
    "realtime",
    "board",
    "goals",
    # Above the features: what reads across them (dashboards; reminders, the
    # calendar feed and each person's settings).
    "insight",
    "notifications",
    # A person's rights over their data: export and erasure.
    "privacy",
    # Who changed what: roles, leaders, partners, goal visibility, notes,
    # invitations, organization and cohort settings (audit/registry.py).
    "audit",
    # Above every feature: the demo seed (config/management/commands/seed_demo.py).
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header (see CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user becomes the actor of the audit trail's entries.
    "auditlog.middleware.AuditlogMiddleware",
    # The reader's time zone (their setting, else their browser's): needs request.user.
    "accounts.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Databases. SQLite by default; PostgreSQL (psycopg 3) when DATABASE_URL says so.
# Under ASGI, Django advises against persistent connections (CONN_MAX_AGE=0);
# PostgreSQL gets a psycopg connection pool instead.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so the Daphne process of the browser tests sees it.
    # The pid keeps two concurrent test runs on one checkout apart.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    _db["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": env_int("DATABASE_POOL_SIZE", 20), "timeout": 10}
    }
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}

# Channel layer. In memory by default: it cannot reach another process, so it
# serves exactly one Daphne process. REDIS_URL switches to Redis for several.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Messages a channel holds before the layer drops new ones without a word.
# The channel that fills first is a process's fan-out channel
# (realtime/fanout.py), which carries the events of every group the process
# serves: 10,000 is about 30 s of the heaviest steady load measured
# (docs/performance.md), as long as the expiry, and about 10 MB. A socket's
# own channel carries only what is meant for it alone.
_capacity = env_int("CHANNEL_LAYER_CAPACITY", 10000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis.pubsub.RedisPubSubChannelLayer is the alternative
            # the benchmark compares (docs/performance.md).
            "BACKEND": os.environ.get(
                "CHANNEL_LAYER_BACKEND", "channels_redis.core.RedisChannelLayer"
            ),
            "CONFIG": {
                # No read timeout of redis-py's own: a receive is a blocking
                # pop that Redis ends after 5 s (channels_redis's brpop_timeout),
                # and redis-py 8's default read timeout, also 5 s, ended it
                # first: an idle socket failed with 1011 every 5 s.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "cohorts"),
                # A full channel drops messages silently; the database stays the
                # source of truth and a client that falls behind resumes by seq.
                "capacity": _capacity,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' in-memory layer without its per-message sweep of all
            # sockets (realtime/layers.py).
            "BACKEND": "realtime.layers.SweptInMemoryChannelLayer",
            "CONFIG": {"capacity": _capacity, "expiry": 30},
        }
    }

# Each serving process moves its long-lived objects (the open sockets') out of
# the garbage collector's walks every few seconds, and collects them when
# enough sockets have closed (realtime/collector.py): a full collection walks
# every object, about a second at 5,000 sockets. The test process turns it off.
REALTIME_FREEZE_OBJECTS = env_bool("REALTIME_FREEZE_OBJECTS", True)

# Django's cache holds allauth's login throttling counters (ACCOUNT_RATE_LIMITS).
# In-process by default, so each Daphne process counts on its own;
# CACHE_REDIS_URL makes every process share one count.
if CACHE_REDIS_URL := os.environ.get("CACHE_REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "cohorts",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email is the login; docs.allauth.org, "Custom User Models".
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"  # adds the display name
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "cohorts:home"
LOGIN_URL = "account_login"

INVITATION_EXPIRY_DAYS = env_int("INVITATION_EXPIRY_DAYS", 7)

# Cohort lifecycle and size (cohorts/lifecycle.py, cohorts/forms.py). The
# fewest and most participants a cohort of each kind holds: a group gathers
# about ten leaders from across the organization, an intact team may be
# larger. A product rule, not an operator's choice: no environment variable.
COHORT_CAPACITY = {"group": (2, 12), "team": (2, 50)}
# A program window outside this many calendar months (inclusive) is saved
# only once the person confirms it: coaching runs 6 to 9 months.
COHORT_WINDOW_MONTHS = (6, 9)

# Dashboards (insight). HR admins see a cohort's rates and goal counts only
# from this many participants on: in a smaller cohort a rate points at a
# person. A product rule, not an operator's choice: no environment variable.
INSIGHT_MIN_PARTICIPANTS = 3

# Audit trail (django-auditlog, audit/registry.py). Entries say who changed
# what and when; the person's address is not part of that, and behind a proxy
# auditlog would take it from a header anyone can write.
AUDITLOG_DISABLE_REMOTE_ADDR = True
# The organization's "Changes" page lists this many entries a page.
AUDIT_PAGE_SIZE = 50

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Read by the file-based backend (django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cohorts <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address: links in emails, and the origin (with CSRF_TRUSTED_ORIGINS
# and ALLOWED_HOSTS under its scheme and port) that websockets must come from
# (realtime/origins.py).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")


# Content-Security-Policy (django-csp, csp.middleware.CSPMiddleware). Only this
# site's own files run, style and load: no inline script, event handler, style
# attribute or <style> block anywhere (tests/test_security_headers.py reads
# every template), so the policy needs neither 'unsafe-inline' nor nonces.
# JSON data blocks (<script type="application/json">) are not executed and
# need nothing.
def _websocket_sources() -> list[str]:
    """The ws:// or wss:// sources of the origins that may open this site's
    websockets (realtime/origins.py): 'self' covers them only in browsers that
    follow CSP level 3.

    An IPv6 literal cannot be written in a CSP source (its pages rely on
    'self'); "*" names no host.
    """
    ws = {"http": "ws", "https": "wss"}
    default_ports = {"http": 80, "https": 443}
    site = urlsplit(SITE_URL)
    scheme = site.scheme or "http"
    port = "" if site.port in (None, default_ports.get(scheme)) else f":{site.port}"
    hosts = [site.hostname or ""]
    for host in ALLOWED_HOSTS:
        # ".example.com" is example.com and its subdomains, as for Django.
        hosts += [host[1:], f"*{host}"] if host.startswith(".") else [host]
    sources = [
        f"{ws.get(scheme, 'ws')}://{host}{port}"
        for host in hosts
        if host and host != "*" and ":" not in host
    ]
    for origin in CSRF_TRUSTED_ORIGINS:
        trusted = urlsplit(origin)
        if trusted.netloc and not trusted.netloc.startswith("["):
            sources.append(f"{ws.get(trusted.scheme, 'ws')}://{trusted.netloc}")
    return list(dict.fromkeys(sources))


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the SVG images CSS may inline.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *_websocket_sources()],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(exist_ok=True)
# Without collectstatic (make run, tests) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_MANIFEST_STRICT = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Secrets that travel in URL paths, masked in every log line (lib/logs.py):
# an invitation's token (cohorts/urls.py), allauth's password reset and email
# confirmation keys, a personal calendar feed's token (board/urls.py). Each
# pattern matches the secret only.
SECRET_URL_PATTERNS = [
    r"(?<=/invitations/)[^/?#\s\"']+",
    r"(?<=/calendar/)(?!reset/)[^/?#\s\"']+",
    r"(?<=/password/reset/key/)[^/?#\s\"']+",
    r"(?<=/confirm-email/)[^/?#\s\"']+",
    # A reminder email's one-click unsubscribe link (notifications/urls.py).
    r"(?<=/emails/unsubscribe/)[^/?#\s\"']+",
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_secrets": {"()": "lib.logs.MaskSecretsFilter", "patterns": SECRET_URL_PATTERNS}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's defaults give "django" (with DEBUG on) and "django.server"
        # handlers of their own, which the mask would not cover: configured
        # here, they lose them and print through the root's console. (No
        # ADMINS are set, so the lost mail_admins handler sent nothing.)
        "django": {"handlers": []},
        "django.server": {"filters": ["mask_secrets"], "propagate": True},
        # Masked where the records are made as well, so that every handler
        # (a test's caplog, one added later) gets them masked: the loggers
        # that log request paths.
        "django.request": {"filters": ["mask_secrets"]},
        "django.security.csrf": {"filters": ["mask_secrets"]},
        "django.channels.server": {"filters": ["mask_secrets"]},
    },
}
# Daphne's access log is not written through logging (lib/logs.py).
mask_daphne_access_log(SECRET_URL_PATTERNS)
