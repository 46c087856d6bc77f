"""Enrollment pages: organization admin, cohorts, roster, leader
links, invitations (background notes: cohorts/note_views.py). Every view asks
cohorts.permissions first; a refusal is a 404."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts import bulk, lifecycle, permissions, services
from cohorts import invitations as invitation_services
from cohorts.forms import BulkInviteForm, CohortForm, InviteForm, LeaderForm, posted_data
from cohorts.models import Cohort, Invitation, Membership
from lib.errors import DomainError
from lib.urls import same_site_path


def _back(request, default, **kwargs):
    """Redirect to the form's `next` if it is a path on this site, else to `default`."""
    target = same_site_path(request.POST.get("next"))
    if target is not None:
        return HttpResponseRedirect(target)
    return redirect(default, **kwargs)


# Organization admin ----------------------------------------------------------


@login_required
@require_GET
def organization(request, organization_id):
    organization = permissions.access_organization_admin(request.user, organization_id)
    cohorts = (
        organization.cohorts.annotate(
            participant_total=Count(
                "memberships", filter=Q(memberships__role=Membership.Role.PARTICIPANT)
            )
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(
                    role=Membership.Role.FACILITATOR
                ).select_related("user"),
                to_attr="facilitators",
            )
        )
        .order_by("-starts_on", "name")
    )
    cohort_roles = defaultdict(list)
    led = defaultdict(list)
    for membership in Membership.objects.filter(cohort__organization=organization).select_related(
        "cohort", "user"
    ):
        cohort_roles[membership.user_id].append(membership)
        if membership.leader_id:
            led[membership.leader_id].append(membership)
    people = [
        {
            "membership": org_membership,
            "user": org_membership.user,
            "cohort_memberships": cohort_roles[org_membership.user_id],
            "leads": led[org_membership.user_id],
        }
        for org_membership in organization.memberships.select_related("user").order_by(
            "user__display_name", "user__email"
        )
    ]
    invitations = _with_actions_open(
        Invitation.objects.filter(cohort__organization=organization)
        .select_related("cohort", "invited_by")
        .order_by("-created_at")
    )
    cohorts = list(cohorts)
    return render(
        request,
        "cohorts/organization.html",
        {
            "organization": organization,
            "cohorts": [c for c in cohorts if c.status != Cohort.Status.ARCHIVED],
            "archived_cohorts": [c for c in cohorts if c.status == Cohort.Status.ARCHIVED],
            "people": people,
            "invitations": invitations,
        },
    )


def _with_actions_open(invitations) -> list[Invitation]:
    """The invitations, each with `actions_open`: whether its cohort still
    takes invitations (resend and revoke are offered only then)."""
    invitations = list(invitations)
    for invitation in invitations:
        invitation.actions_open = lifecycle.stage_of(invitation.cohort).accepts_invitations
    return invitations


def _refuse_closed(request, access, default="cohorts:detail"):
    """Back to the cohort with the reason its state refuses the change: a
    page opened before the cohort closed still posts here."""
    messages.error(request, access.stage.closed_message)
    return redirect(default, cohort_id=access.cohort.pk)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request, organization_id):
    organization = permissions.access_organization_admin(request.user, organization_id)
    form = CohortForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.create_cohort(
                organization=organization,
                **{name: form.cleaned_data[name] for name in services.COHORT_EDITABLE_FIELDS},
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Cohort created. Now invite its people."))
            return redirect(cohort)
    return render(
        request, "cohorts/cohort_form.html", {"form": form, "organization": organization}
    )


# Cohort ------------------------------------------------------------------------


@login_required
@require_GET
def cohort_detail(request, cohort_id):
    access = permissions.access_cohort(request.user, cohort_id)
    cohort = access.cohort
    counts = cohort.memberships.aggregate(
        participants=Count("pk", filter=Q(role=Membership.Role.PARTICIPANT)),
        facilitators=Count("pk", filter=Q(role=Membership.Role.FACILITATOR)),
    )
    context = {
        "access": access,
        "cohort": cohort,
        "counts": counts,
        "facilitators": cohort.memberships.filter(role=Membership.Role.FACILITATOR).select_related(
            "user", "added_by"
        ),
        "led_participants": cohort.memberships.filter(
            pk__in=access.led_participant_ids
        ).select_related("user"),
        # The page asks the participant to confirm the leader named for them.
        "leader_request": access.membership if access.can_answer_leader_request else None,
        "pending_invitations": (
            cohort.invitations.pending().count() if access.is_manager else None
        ),
    }
    return render(request, "cohorts/detail.html", context)


@login_required
@require_POST
def cohort_status(request, cohort_id):
    """Move the cohort along its lifecycle (the cohort page's buttons). The
    form says which state its page showed: a second click or an old page
    changes nothing and says so."""
    access = permissions.access_cohort(request.user, cohort_id)
    if not access.can_change_status:
        raise permissions.not_found()
    shown, target = request.POST.get("shown", ""), request.POST.get("target", "")
    try:
        services.change_status(cohort=access.cohort, shown=shown, target=target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, lifecycle.MOVES[(shown, target)].done)
    return redirect("cohorts:detail", cohort_id=access.cohort.pk)


# Refusals of update_cohort that are about the capacity field.
CAPACITY_ERRORS = {"capacity_below_enrolled", "capacity_out_of_range"}


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request, cohort_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    if not access.can_manage:
        return _refuse_closed(request, access)
    # The form validates a copy: the page keeps showing the saved cohort.
    form = CohortForm(posted_data(request), instance=Cohort.objects.get(pk=access.cohort.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cohort(
                cohort=access.cohort,
                **{name: form.cleaned_data[name] for name in services.COHORT_EDITABLE_FIELDS},
            )
        except DomainError as error:
            field = "capacity" if error.code in CAPACITY_ERRORS else None
            form.add_error(field, error.message)
        else:
            messages.success(request, _("Cohort saved."))
            return redirect(access.cohort)
    return render(
        request,
        "cohorts/cohort_form.html",
        {"form": form, "organization": access.cohort.organization, "cohort": access.cohort},
    )


@login_required
@require_GET
def roster(request, cohort_id):
    access = permissions.access_roster(request.user, cohort_id)
    cohort = access.cohort
    members = list(cohort.memberships.select_related("user", "leader", "added_by"))
    rows_by_role = defaultdict(list)
    candidates = services.leader_candidates(cohort=cohort, changed_by=request.user).order_by(
        "display_name", "email"
    )
    for membership in members:
        form = None
        if access.can_link_leader_of(membership):
            form = LeaderForm(
                membership=membership, candidates=candidates, prefix=f"m{membership.pk}"
            )
        rows_by_role[membership.role].append({"membership": membership, "leader_form": form})
    context = {
        "access": access,
        "cohort": cohort,
        "facilitators": rows_by_role[Membership.Role.FACILITATOR],
        "participants": rows_by_role[Membership.Role.PARTICIPANT],
        "invitations": (
            _with_actions_open(
                cohort.invitations.select_related("cohort", "invited_by").order_by("-created_at")
            )
            if access.is_manager
            else None
        ),
        "seats_left": max(
            0,
            cohort.capacity
            - len(rows_by_role[Membership.Role.PARTICIPANT])
            - cohort.invitations.pending().filter(role=Invitation.Role.PARTICIPANT).count(),
        ),
    }
    return render(request, "cohorts/roster.html", context)


@login_required
@require_POST
def set_leader(request, cohort_id, membership_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    membership = permissions.access_cohort_membership(access, membership_id)
    if not access.can_manage:
        return _refuse_closed(request, access, "cohorts:roster")
    form = LeaderForm(
        request.POST,
        membership=membership,
        candidates=services.leader_candidates(cohort=access.cohort, changed_by=request.user),
        prefix=f"m{membership.pk}",
    )
    if not form.is_valid():
        messages.error(
            request,
            _(
                "Choose a leader from the organization's members: someone outside this "
                "cohort, not an HR admin and not yourself."
            ),
        )
        return redirect("cohorts:roster", cohort_id=access.cohort.pk)
    leader = form.cleaned_data["leader"]
    try:
        services.set_leader(membership=membership, leader=leader, changed_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if leader is None:
            text = _("%(person)s has no leader now.") % {"person": membership.user}
        else:
            text = _(
                "Leader of %(person)s saved. %(person)s is asked to confirm it; until "
                "then %(leader)s sees nothing of their goals."
            ) % {"person": membership.user, "leader": leader}
        messages.success(request, text)
    return redirect("cohorts:roster", cohort_id=access.cohort.pk)


def _shown_leader_id(request) -> int | None:
    try:
        return int(request.POST.get("leader", ""))
    except ValueError:
        return None


@login_required
@require_POST
def leader_confirm(request, cohort_id, membership_id):
    """The participant confirms the leader named for them (their own only)."""
    access = permissions.access_own_participation(request.user, cohort_id, membership_id)
    try:
        membership = services.confirm_leader(
            membership=access.membership, leader_id=_shown_leader_id(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(leader)s is confirmed as your leader.") % {"leader": membership.leader},
        )
    return _back(request, "cohorts:detail", cohort_id=access.cohort.pk)


@login_required
@require_POST
def leader_decline(request, cohort_id, membership_id):
    """The participant says the person named is not their leader (their own only)."""
    access = permissions.access_own_participation(request.user, cohort_id, membership_id)
    try:
        services.decline_leader(membership=access.membership, leader_id=_shown_leader_id(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Done: you have no leader linked in %(cohort)s. Tell your HR admin or "
                "coach who your leader is."
            )
            % {"cohort": access.cohort.name},
        )
    return _back(request, "cohorts:detail", cohort_id=access.cohort.pk)


# Invitations -------------------------------------------------------------------

# Which form field a refused invitation is about.
INVITE_ERROR_FIELDS = {
    "bad_email": "email",
    "already_member": "email",
    "already_invited": "email",
    "bad_role": "role",
    "bad_name": "name",
    "leader_not_allowed": "leader_email",
    "bad_leader_email": "leader_email",
    "own_leader": "leader_email",
    "leader_not_member": "leader_email",
    "self_invited": "email",
    "hr_admin": "email",
    "leads_participant": "email",
    "leader_is_you": "leader_email",
    "leader_hr_admin": "leader_email",
    "leader_in_cohort": "leader_email",
}


@login_required
@require_http_methods(["GET", "POST"])
def invite(request, cohort_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    if not access.can_manage:
        return _refuse_closed(request, access, "cohorts:roster")
    form = InviteForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_services.invite(
                cohort=access.cohort, invited_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(INVITE_ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("cohorts:roster", cohort_id=access.cohort.pk)
    return render(
        request, "cohorts/invite.html", {"access": access, "cohort": access.cohort, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk_invite(request, cohort_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    if not access.can_manage:
        return _refuse_closed(request, access, "cohorts:roster")
    form = BulkInviteForm(*posted_data(request, files=True))
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = bulk.bulk_invite(
                cohort=access.cohort, text=form.cleaned_data["text"], invited_by=request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            form = BulkInviteForm()
    return render(
        request,
        "cohorts/bulk_invite.html",
        {"access": access, "cohort": access.cohort, "form": form, "report": report},
    )


@login_required
@require_POST
def invitation_revoke(request, cohort_id, invitation_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    invitation = permissions.access_cohort_invitation(access, invitation_id)
    try:
        invitation_services.revoke_invitation(invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invitation to %(email)s revoked.") % {"email": invitation.email}
        )
    return _back(request, "cohorts:roster", cohort_id=access.cohort.pk)


@login_required
@require_POST
def invitation_resend(request, cohort_id, invitation_id):
    access = permissions.access_managed_cohort(request.user, cohort_id)
    invitation = permissions.access_cohort_invitation(access, invitation_id)
    try:
        invitation_services.resend_invitation(invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the old one no longer works.")
            % {"email": invitation.email},
        )
    return _back(request, "cohorts:roster", cohort_id=access.cohort.pk)
