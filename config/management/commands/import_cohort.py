"""`python manage.py import_cohort FILE`: load a cohort written by
`export_cohort`, in one transaction, into a fresh database or a staging copy
that does not hold that cohort."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.cohort_backup import CohortBackupError, import_cohort


class Command(BaseCommand):
    help = "Load one cohort written by export_cohort."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            cohort_id = import_cohort(file)
        except CohortBackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Loaded cohort {cohort_id} from {file}.")
