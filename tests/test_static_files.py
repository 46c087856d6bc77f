"""Static files: plain names before collectstatic, hashed names and imports after."""

import re

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.templatetags.static import static


def test_plain_names_are_served_before_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    assert static("js/board.js") == "/static/js/board.js"


def test_collectstatic_hashes_board_modules_and_their_imports(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    staticfiles_storage._setup()  # reload the manifest just written

    board_url = static("js/board.js")
    assert re.fullmatch(r"/static/js/board\.[0-9a-f]{12}\.js", board_url)
    hashed_board = tmp_path / board_url.removeprefix("/static/")
    imports = re.findall(r'from "(\./board/[^"]+)"', hashed_board.read_text())
    assert imports, "board.js imports its modules"
    assert all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports), imports
    assert list((tmp_path / "css").glob("site.*.css.gz")), "compressed copies are written"
