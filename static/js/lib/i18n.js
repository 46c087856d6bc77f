// Strings come from Django's JavaScript catalog (django.views.i18n), loaded by
// the page before this module; without it the English source text is shown.

export function _(text) {
  return typeof window.gettext === "function" ? window.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// Named placeholders, as in Python: format("%(name)s posted", {name: "Pat"}).
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, key) =>
    key in values ? String(values[key]) : match,
  );
}
