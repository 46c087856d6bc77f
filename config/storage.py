from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files once `collectstatic` has run.

    Before it has run (make run, tests) there is no manifest, and the plain
    names are served straight from static/ by WhiteNoise's finders.
    board.js imports its modules by relative path; rewriting those imports to
    the hashed names lets every module be cached forever, like the rest.
    """

    support_js_module_import_aggregation = True

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
