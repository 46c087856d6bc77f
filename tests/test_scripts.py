"""The browser scripts under static/js: their modules fit together, and they
decide no right and restate no limit, reaction or text the server owns."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from board.models import Reaction
from goals.forms import ReplyForm
from tests.board_helpers import live_session

SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"
IMPORT = re.compile(r'import\s*\{([^}]*)\}\s*from\s*"(\.[^"]+)";')
EXPORT = re.compile(r"^export (?:async )?(?:function|class|const|let) (\w+)", re.MULTILINE)


def _scripts():
    return sorted(SCRIPTS.rglob("*.js"))


def _text(path):
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_every_import_names_an_export_of_an_existing_module(script):
    for names, target in IMPORT.findall(_text(script)):
        module = (script.parent / target).resolve()
        assert module.is_file(), f"{script.name} imports {target}"
        exported = set(EXPORT.findall(_text(module)))
        wanted = {name.strip() for name in names.split(",") if name.strip()}
        assert wanted <= exported, f"{script.name}: {wanted - exported} not in {target}"


def test_each_stream_page_uses_the_one_connection_module():
    for page in ("board.js", "cohort.js"):
        assert 'from "./lib/connection.js";' in _text(SCRIPTS / page), page
    assert [p.name for p in _scripts() if "new WebSocket(" in _text(p)] == ["connection.js"]


def test_no_script_checks_a_role_or_restates_what_the_server_owns():
    labels = [str(label) for _, label in Reaction.Emoji.choices]
    for script in _scripts():
        text = _text(script)
        name = script.relative_to(SCRIPTS)
        assert not re.search(r"role\s*[!=]==|is(Facilitator|Participant|Leader)\b", text), name
        assert not re.search(r"maxlength:\s*\d", text), name
        assert not re.search(r"\bmax:\s*\d", text), name
        assert not re.search(r"\.length\s*>\s*\d{3,}", text), name
        for label in labels:
            assert f'"{label}"' not in text, (name, label)
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, name


def _json_script(page, element_id):
    start = page.index(f'<script id="{element_id}" type="application/json">')
    start = page.index(">", start) + 1
    return json.loads(page[start : page.index("</script>", start)])


def _loads_catalog_then(page, module):
    catalog = page.index(f'<script src="{reverse("jsi18n")}"></script>')
    return catalog < page.index(f'<script type="module" src="/static/js/{module}">')


def test_cohort_page_loads_the_catalog_the_module_and_the_reply_limit(client, cohort, participant):
    client.force_login(participant)
    page = client.get(reverse("cohorts:detail", args=[cohort.pk])).content.decode()
    assert _loads_catalog_then(page, "cohort.js")
    limit = ReplyForm.base_fields["body"].max_length
    assert _json_script(page, "cohort-config") == {"limits": {"reply": limit}}
    assert "cohort-strings" not in page


def test_board_page_loads_the_same_catalog_before_its_module(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    page = client.get(reverse("board:board", args=[live.pk])).content.decode()
    assert _loads_catalog_then(page, "board.js")


def test_the_catalog_is_javascript_for_everyone(client):
    response = client.get(reverse("jsi18n"))
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert b"django.gettext" in response.content
