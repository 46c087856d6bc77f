"""CSV downloads: only what the requester may read."""

from __future__ import annotations

import csv

from django.http import HttpResponse

from lib.spreadsheets import csv_cell


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response
