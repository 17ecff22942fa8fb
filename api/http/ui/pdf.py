"""The printable statement (relevé) as PDF: the statement template rendered by WeasyPrint with the print
stylesheet — the same HTML a browser prints, so the PDF and the printed page say the same thing."""

from __future__ import annotations

from datetime import date

from weasyprint import CSS, HTML

from api.http.ui.licence_view import LicencePage
from api.http.ui.rendering import PACKAGE, templates


def statement_pdf(page: LicencePage, today: date) -> bytes:
    html = templates.get_template("statement.html").render(page=page, today=today)
    document = HTML(string=html, base_url=str(PACKAGE / "static"))
    result: bytes = document.write_pdf(stylesheets=[CSS(filename=str(PACKAGE / "static" / "print.css"))])
    return result
