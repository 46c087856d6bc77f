"""Django admin pieces shared by the apps' admin modules."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects, quote
from django.db import router
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def concealed(obj) -> bool:
    """Whether a model instance must not be named where it would tie it to a
    person: a model says so with a `concealed_in_admin` property (an anonymous
    reflection, listed under its author's membership, would name its author)."""
    return bool(getattr(obj, "concealed_in_admin", False))


class ConcealingDeletionMixin:
    """The delete confirmation page, with concealed objects (and what hangs
    off them) deleted along but not listed, nor counted.

    Django's own `get_deleted_objects` names every related object under the
    one it cascades from; this is the same walk with one more rule.
    """

    def get_deleted_objects(self, objs, request):
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)
        perms_needed: set[str] = set()
        site = self.admin_site

        def label(obj):
            if concealed(obj):
                return None
            opts = obj._meta
            text = f"{capfirst(opts.verbose_name)}: {obj}"
            if not site.is_registered(type(obj)):
                return text
            if not site.get_model_admin(type(obj)).has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            try:
                url = reverse(
                    f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
                )
            except NoReverseMatch:
                return text
            return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)

        to_delete = _without_concealed(collector.nested(label))
        protected = [text for text in map(label, collector.protected) if text is not None]
        if any(concealed(obj) for obj in collector.protected):
            protected.append(_("Anonymous items among these are not listed."))
        model_count = {}
        for model, instances in collector.model_objs.items():
            shown = [obj for obj in instances if not concealed(obj)]
            if shown:
                model_count[model._meta.verbose_name_plural] = len(shown)
        # Said whenever such a kind of object is deleted, anonymous or not, so
        # that the sentence itself reveals nothing.
        if any(hasattr(model, "concealed_in_admin") for model in collector.model_objs):
            to_delete.append(_("Anonymous items among these are deleted too, but not listed."))
        return to_delete, model_count, perms_needed, protected


def _without_concealed(nested: list) -> list:
    """`nested` (labels, each followed by the list of what hangs off it) less
    the concealed labels (None) and everything under them."""
    kept, skip_children = [], False
    for item in nested:
        if isinstance(item, list):
            if not skip_children:
                kept.append(_without_concealed(item))
            skip_children = False
            continue
        skip_children = item is None
        if item is not None:
            kept.append(item)
    return kept


class ConcealingModelAdmin(ConcealingDeletionMixin, admin.ModelAdmin):
    pass
