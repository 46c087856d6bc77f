"""CSV downloads: only what the requester may read."""

from __future__ import annotations

import csv

from django.http import HttpResponse


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(
            ["'" + cell if isinstance(cell, str) and cell[:1] in "=+-@" else cell for cell in row]
        )
    return response
