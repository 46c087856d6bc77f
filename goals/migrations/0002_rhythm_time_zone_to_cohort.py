"""The cohort's time zone moves from its rhythm to the cohort itself.

Each rhythm's zone is copied into its cohort (a cohort without a rhythm keeps
the default), then the rhythm's column goes. Backwards, the column comes back
and each rhythm takes its cohort's zone again.
"""

import zoneinfo
from collections import defaultdict

from django.db import migrations


def _cohorts_by_zone(pairs) -> dict[str, list[int]]:
    """Group ids by zone name, leaving out names no longer known (the rhythm
    never validated its zone in the admin): those keep the default."""
    known = zoneinfo.available_timezones()
    grouped = defaultdict(list)
    for pk, name in pairs:
        if name in known:
            grouped[name].append(pk)
    return grouped


def copy_rhythm_zones_to_cohorts(apps, schema_editor):
    CohortRhythm = apps.get_model("goals", "CohortRhythm")
    Cohort = apps.get_model("cohorts", "Cohort")
    rhythms = CohortRhythm.objects.values_list("cohort_id", "time_zone")
    for name, cohort_ids in _cohorts_by_zone(rhythms).items():
        Cohort.objects.filter(pk__in=cohort_ids).update(time_zone=name)


def copy_cohort_zones_to_rhythms(apps, schema_editor):
    CohortRhythm = apps.get_model("goals", "CohortRhythm")
    Cohort = apps.get_model("cohorts", "Cohort")
    cohorts = Cohort.objects.filter(rhythm__isnull=False).values_list("pk", "time_zone")
    for name, cohort_ids in _cohorts_by_zone(cohorts).items():
        CohortRhythm.objects.filter(cohort_id__in=cohort_ids).update(time_zone=name)


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_initial"),
        ("cohorts", "0005_cohort_time_zone_archived"),
    ]

    # Backwards, RemoveField adds the column again with its old default, then
    # the copy fills it.
    operations = [
        migrations.RunPython(copy_rhythm_zones_to_cohorts, copy_cohort_zones_to_rhythms),
        migrations.RemoveField(model_name="cohortrhythm", name="time_zone"),
    ]
