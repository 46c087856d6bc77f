"""Send the reminder emails due now; run it every few minutes (cron, a timer).

Overlapping runs are safe: each reminder is claimed by exactly one run
(notifications/reminders.py).
"""

from django.core.management.base import BaseCommand

from notifications.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the reminder emails that are due (sessions, check-ins, agendas, quiet participants)."
    )

    def handle(self, *args, **options):
        summary = send_due_reminders()
        self.stdout.write(str(summary))
        if sum(summary.failed.values()):
            self.stderr.write(
                "Some reminders failed; the next run tries them again "
                "(see Sent reminders in the admin)."
            )
