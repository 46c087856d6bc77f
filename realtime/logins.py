"""Whether the sign-in a socket was opened with still holds.

A socket is opened with the Django session cookie of a signed-in user. Pages
stop working the moment that session ends (logout), its user's password
changes (the session auth hash no longer matches) or the account is
deactivated; a socket must stop too, not go on receiving events and storing
frames. Each socket keeps its `Login`, taken from the scope at connect, and:

- every client frame that reaches the writer is checked with the others of
  its batch, in two queries for the whole batch (realtime/batching.py): a
  frame whose sign-in has ended runs no service and fails with `LoginEnded`;
- every heartbeat checks the process's sockets the same way, a slice at a
  time (realtime/heartbeat.py);
- the moment a sign-in ends, a "login.ended" message to the user's group
  (`user_group`) closes their sockets at once, in every process: each socket
  is a member of that group through its process's fan-out (realtime/fanout.py).
  Logout ends the sockets of that session; a new password or a deactivation
  ends all of the user's sockets. The message is sent after commit, and names
  the session by a digest (`session_tag`), never by its key.

The checks are what make it hold; the message makes it immediate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from realtime import streams

MESSAGE_TYPE = "login.ended"
_TAG_SALT = "realtime.logins.session_tag"
# Fields whose change ends every sign-in of the user (the password's hash
# is what the session auth hash is made from).
_SIGN_IN_FIELDS = ("password", "is_active")


class LoginEnded(Exception):  # noqa: N818 (an outcome, as Http404 is)
    """The socket's sign-in has ended: its frame was not run."""


@dataclass(frozen=True)
class Login:
    """A socket's sign-in, as it was when the socket connected."""

    user_id: int
    session_key: str
    session_tag: str
    auth_hash: str


def user_group(user_id: int) -> str:
    """The channel-layer group of every socket of one user."""
    return f"user.{user_id}"


def session_tag(session_key: str) -> str:
    """A digest naming a session in group messages: a session key is a
    password-equivalent secret and must not travel through the layer."""
    return salted_hmac(_TAG_SALT, session_key, algorithm="sha256").hexdigest()


def login_of(scope) -> Login | None:
    """The sign-in of a socket's scope (after channels' AuthMiddlewareStack);
    None for an anonymous one."""
    user = scope.get("user")
    session = scope.get("session")
    if not getattr(user, "is_authenticated", False) or session is None:
        return None
    key = session.session_key
    if not key:
        return None
    return Login(
        user_id=user.pk,
        session_key=key,
        session_tag=session_tag(key),
        auth_hash=user.get_session_auth_hash(),
    )


def ended(logins: Iterable[Login]) -> set[Login]:
    """Those of `logins` that no longer hold: their session is gone or
    expired, their user is gone or inactive, or the user's session auth hash
    changed (a new password). Two queries, however many logins: run with
    database access (the writer thread)."""
    logins = set(logins)
    if not logins:
        return set()
    live = _live_session_keys({login.session_key for login in logins})
    users = get_user_model().objects.filter(pk__in={login.user_id for login in logins})
    hashes = {
        user.pk: user.get_session_auth_hash()
        for user in users.only("password", "is_active")
        if user.is_active
    }
    return {
        login
        for login in logins
        if login.session_key not in live
        or login.user_id not in hashes
        or not constant_time_compare(hashes[login.user_id], login.auth_hash)
    }


def _live_session_keys(keys: set[str]) -> set[str]:
    engine = settings.SESSION_ENGINE
    store = import_module(engine).SessionStore
    if hasattr(store, "get_model_class"):  # the database engines (db, cached_db)
        model = store.get_model_class()
        live = model.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        return set(live.values_list("session_key", flat=True))
    if engine == "django.contrib.sessions.backends.signed_cookies":
        return keys  # nothing is kept on the server to end: the auth hash decides
    return {key for key in keys if store().exists(key)}


# Ending sockets at once --------------------------------------------------------


def end_sockets(user_id: int, *, session_key: str | None = None) -> None:
    """After commit, close the sockets of `user_id` opened with the session
    `session_key`, or all of them; in every process."""
    tag = session_tag(session_key) if session_key else None
    streams.send_on_commit(user_group(user_id), {"type": MESSAGE_TYPE, "session": tag})


def concerns(message: dict, login: Login) -> bool:
    """Whether a "login.ended" message ends the socket of `login`."""
    tag = message.get("session")
    return tag is None or constant_time_compare(tag, login.session_tag)


def _on_logout(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if user is not None and key:
        end_sockets(user.pk, session_key=key)


def _before_user_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Remember the stored password and activity before a save that may
    change them. Every path that sets a password saves the user: allauth's
    change and reset, the admin's form, `changepassword`, and
    `set_unusable_password`, which no signal announces."""
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_SIGN_IN_FIELDS):
        return  # a login's last_login, a profile field
    instance._sign_in_before = (
        sender.objects.filter(pk=instance.pk).values_list(*_SIGN_IN_FIELDS).first()
    )


def _after_user_save(sender, instance, created=False, raw=False, **kwargs):
    before = instance.__dict__.pop("_sign_in_before", None)
    if created or raw or before is None:
        return
    password, was_active = before
    if instance.password != password or (was_active and not instance.is_active):
        end_sockets(instance.pk)


def _after_user_delete(sender, instance, **kwargs):
    end_sockets(instance.pk)


def connect_signals() -> None:
    """Called once, from the app's `ready()`."""
    user_model = get_user_model()
    user_logged_out.connect(_on_logout, dispatch_uid="realtime.logins.logout")
    pre_save.connect(_before_user_save, sender=user_model, dispatch_uid="realtime.logins.pre")
    post_save.connect(_after_user_save, sender=user_model, dispatch_uid="realtime.logins.post")
    post_delete.connect(
        _after_user_delete, sender=user_model, dispatch_uid="realtime.logins.delete"
    )
