"""A person's own dashboards: the people they lead and their own rhythm. Each
page and its CSV export show the same figures under the same rules."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insight import people
from insight.exports import streamed_csv


@login_required
@require_GET
def people_led(request):
    """The participants who confirmed the reader as their leader."""
    return render(request, "insight/people.html", {"people": people.people_led(request.user)})


@login_required
@require_GET
def people_led_export(request):
    header, rows = people.people_csv(people.people_led(request.user))
    return streamed_csv("people-i-lead.csv", header, rows)


@login_required
@require_GET
def rhythm(request):
    """The reader's attendance, check-ins and goals as a participant."""
    return render(request, "insight/rhythm.html", {"rhythm": people.my_rhythm(request.user)})


@login_required
@require_GET
def rhythm_cohorts_export(request):
    header, rows = people.rhythm_cohorts_csv(people.my_rhythm(request.user))
    return streamed_csv("my-rhythm.csv", header, rows)


@login_required
@require_GET
def rhythm_goals_export(request):
    header, rows = people.rhythm_goals_csv(people.my_rhythm(request.user))
    return streamed_csv("my-goals.csv", header, rows)
