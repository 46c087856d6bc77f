"""`python manage.py export_cohort COHORT_ID FILE`: one cohort, with everything
that belongs to it, as a JSON file that `import_cohort` loads into another
database (config/cohort_backup.py says what is included and why)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.cohort_backup import CohortBackupError, export_cohort


class Command(BaseCommand):
    help = "Write one cohort and everything that belongs to it to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("cohort_id", type=int)
        parser.add_argument("file", type=Path)

    def handle(self, *args, cohort_id, file, **options):
        try:
            count = export_cohort(cohort_id, file)
        except CohortBackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Wrote cohort {cohort_id}: {count} rows to {file}.")
