// The reader's time zone. Loaded by every page (base.html): it tells the
// server the zone the browser is in, through the "tz" cookie, so that the next
// page shows times there for people who have not chosen a zone in their
// settings (accounts/middleware.py). The server decides the zone in force and
// writes it on <html data-time-zone>; scripts format times in that zone so
// that live updates agree with the page around them.

const COOKIE = "tz";
const ONE_YEAR = 365 * 24 * 60 * 60;
// IANA names only: anything else is not worth sending (the server checks too).
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function cookieValue(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return "";
}

export function rememberBrowserTimeZone() {
  const zone = browserTimeZone();
  if (!ZONE_NAME.test(zone) || cookieValue(COOKIE) === zone) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${COOKIE}=${zone}; path=/; SameSite=Lax; max-age=${ONE_YEAR}${secure}`;
}

// The zone the page's times are shown in (undefined: the browser's own).
export function readerTimeZone() {
  return document.documentElement.dataset.timeZone || undefined;
}

rememberBrowserTimeZone();
