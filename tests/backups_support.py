"""What a person sees of the demo, read the same way from the database a test
writes and, in a separate process, from a database restored from a backup.

Run as `python -m tests.backups_support PASSWORD COHORT_NAME EMAIL...` with
DATABASE_URL naming the restored database: it signs in through the login
form, as a person would, and prints what `seen_by` returns for each, as JSON.
"""

import json
import os
import re
import sys

# A page's per-response secrets, which differ between any two loads.
PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value=|data-csrf=|nonce=)"[^"]*"')


def seen_by(client, user, cohort_name: str) -> dict:
    """The home page, the cohort's page and its fullest board as `user`,
    signed in on `client`."""
    from django.db.models import Count

    from board import rules as board_rules
    from board import services as board_services
    from board.models import CohortSession
    from cohorts.models import Cohort

    cohort = Cohort.objects.get(name=cohort_name)
    session = (
        CohortSession.objects.filter(cohort=cohort)
        .annotate(reflection_count=Count("reflections"))
        .order_by("-reflection_count", "pk")
        .first()
    )
    home = client.get("/")
    page = client.get(f"/cohorts/{cohort.pk}/")
    board = client.get(f"/sessions/{session.pk}/board/")
    snapshot = board_services.board_snapshot(board_rules.access_session(user, session.pk))
    snapshot.get("timer", {}).pop("server_now", None)  # the moment it was made
    return {
        "home": [home.status_code, cohort_name in home.content.decode()],
        "cohort_page": [page.status_code, PER_RESPONSE.sub(r"\1", page.content.decode())],
        "board_page": board.status_code,
        "board_snapshot": json.loads(json.dumps(snapshot, sort_keys=True, default=str)),
    }


def main(password: str, cohort_name: str, *emails: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    setup_test_environment()  # the test client's host and an outbox for mail
    seen = {}
    for email in emails:
        client = Client()
        login = client.post("/accounts/login/", {"login": email, "password": password})
        seen[email] = {"login": [login.status_code, login.headers.get("Location")]}
        seen[email] |= seen_by(client, User.objects.get(email=email), cohort_name)
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:])
