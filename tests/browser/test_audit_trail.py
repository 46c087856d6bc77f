"""In real Chromium: an HR admin reaches the organization's changes from its
page, reads who changed what, filters by kind, and the page passes axe."""

from auditlog.context import set_actor
from playwright.sync_api import expect

from cohorts import services
from tests.browser.conftest import assert_no_axe_violations


def test_hr_reads_and_filters_the_changes(daphne_server, new_page, log_in, acme, cohort, hr_admin):
    with set_actor(hr_admin):
        services.update_cohort(cohort=cohort, name="Leading Through Growth")
    page = log_in(new_page(), "hr@acme.test")
    page.goto(f"{daphne_server.url}/organizations/{acme.pk}/")
    page.get_by_role("link", name="Changes").click()
    page.wait_for_url(f"{daphne_server.url}/organizations/{acme.pk}/changes/")
    expect(page.get_by_role("heading", name="Changes in Acme", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Leading Through Growth")
    expect(row).to_contain_text("Harper HR")
    expect(row).to_contain_text("Name: Leading Through Change → Leading Through Growth")
    assert_no_axe_violations(page)

    page.get_by_label("Show").select_option(label="Background note")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No changes recorded yet.")).to_be_visible()
    assert_no_axe_violations(page)
