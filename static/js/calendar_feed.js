// The calendar link on the settings page: a button that copies it. Without
// the clipboard (an insecure origin, an old browser) the button stays hidden
// and the read-only field is there to select and copy by hand.

for (const feed of document.querySelectorAll("[data-calendar-feed]")) {
  const field = feed.querySelector("[data-calendar-feed-url]");
  const button = feed.querySelector("[data-calendar-feed-copy]");
  const status = feed.querySelector("[data-calendar-feed-status]");
  if (!field || !button || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = button.dataset.copied;
    } catch {
      field.select();
      status.textContent = button.dataset.failed;
    }
  });
}
