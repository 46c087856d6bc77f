"""Static files: plain names before collectstatic, hashed names and imports after."""

import re

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.templatetags.static import static


def test_plain_names_are_served_before_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    assert static("js/board.js") == "/static/js/board.js"


def test_collectstatic_hashes_the_page_modules_and_their_imports(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    staticfiles_storage._setup()  # reload the manifest just written

    for page in ("board", "cohort"):
        url = static(f"js/{page}.js")
        assert re.fullmatch(rf"/static/js/{page}\.[0-9a-f]{{12}}\.js", url)
        hashed = tmp_path / url.removeprefix("/static/")
        imports = re.findall(r'from "(\./[^"]+)"', hashed.read_text())
        assert any(path.startswith("./lib/connection.") for path in imports), imports
        assert all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports), imports
    # The modules' own imports (board/render.js -> ../lib/dom.js) are hashed too.
    render = tmp_path / static("js/board/render.js").removeprefix("/static/")
    imports = re.findall(r'from "(\.\.?/[^"]+)"', render.read_text())
    assert any(path.startswith("../lib/") for path in imports), imports
    assert all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports), imports
    assert list((tmp_path / "css").glob("site.*.css.gz")), "compressed copies are written"
