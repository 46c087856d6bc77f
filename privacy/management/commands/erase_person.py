"""Erase one person: `manage.py erase_person <email> [--yes]` (privacy/erasure.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from privacy.erasure import erase_person


class Command(BaseCommand):
    help = (
        "Erase a person's words and account details, keeping their reflections as "
        "'A former participant' and the cohorts' aggregates. Carries out any pending "
        "HR request for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, email, yes, **options):
        try:
            user = get_user_model().objects.get(email__iexact=email.strip())
        except get_user_model().DoesNotExist:
            raise CommandError("No account has this email address.") from None
        if not yes:
            answer = input(f"Erase {user} for good? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing erased.")
        record = erase_person(user, by=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased person #{record.subject_id} at {record.done_at:%Y-%m-%d %H:%M}."
            )
        )
