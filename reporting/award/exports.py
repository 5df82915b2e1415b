"""The SPM Award candidate list as XLSX (the project's one writer, ``espm.exports``) and PDF
(WeasyPrint, the stylesheet of the official documents; seconds of layout for the 415
kabupaten, so it is built by a document job, ``reporting.documents.services``). Every component is a column with its
score, raw number and denominator, and whether the region had no data for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from espm.exports import xlsx_response
from reporting.documents.pdf import CSS_PATH, fmt_number
from reporting.models import AwardConfig
from reporting.rules import award


def headers(config: AwardConfig) -> list[str]:
    out = [_("Peringkat"), _("Kode"), _("Wilayah"), _("Skor")]
    # Outside the f-strings, where makemessages finds them.
    raw, denominator, missing = _("angka"), _("pembagi"), _("tanpa data")
    for key, weight in config.weights:
        label = str(award.COMPONENT_LABELS[key])
        out += [
            f"{label} ({weight}%)",
            f"{label}: {raw}",
            f"{label}: {denominator}",
            f"{label}: {missing}",
        ]
    return out


def rows(config: AwardConfig, scored: Sequence[award.Scored]) -> list[list[Any]]:
    out = []
    for r in scored:
        line: list[Any] = [r.rank, r.code, r.name, r.score]
        for key, _w in config.weights:
            c = r.components[key]
            line += [award.round2(c.score), c.raw, c.denominator, _("ya") if c.missing else ""]
        out.append(line)
    return out


def filename(year: int, category: str, ext: str) -> str:
    return f"penghargaan-spm-{year}-{category}.{ext}"


def xlsx(
    year: int, category: str, config: AwardConfig, scored: Sequence[award.Scored]
) -> HttpResponse:
    return xlsx_response(
        headers(config),
        rows(config, scored),
        filename(year, category, "xlsx"),
        sheet=f"Penghargaan {year}",
    )


def pdf_bytes(
    year: int,
    category: str,
    config: AwardConfig,
    scored: Sequence[award.Scored],
    progress: Callable[[int, str], None] | None = None,
) -> bytes:
    """The PDF; ``progress(pct, message)`` hears when the layout is done (most of the time)."""
    from weasyprint import CSS, HTML  # heavy import: only when a PDF is asked for

    criteria = [
        (str(award.COMPONENT_LABELS[k]), w, str(award.COMPONENTS[k])) for k, w in config.weights
    ]
    lines = [
        {
            "rank": r.rank,
            "code": r.code,
            "name": r.name,
            "score": fmt_number(r.score),
            "components": [
                {
                    "score": fmt_number(r.components[k].score),
                    "raw": fmt_number(
                        r.components[k].raw, 0 if isinstance(r.components[k].raw, int) else 2
                    ),
                    "denominator": fmt_number(
                        r.components[k].denominator,
                        0 if isinstance(r.components[k].denominator, int) else 2,
                    ),
                    "missing": r.components[k].missing,
                }
                for k, _w in config.weights
            ],
        }
        for r in scored
    ]
    html = render_to_string(
        "reporting/award/pdf.html",
        {
            "year": year,
            "category": str(award.CATEGORIES[category]),
            "criteria": criteria,
            "lines": lines,
            "saved": config.pk is not None,
            "generated_on": timezone.localdate().strftime("%d-%m-%Y"),
        },
    )
    step = progress or (lambda pct, msg: None)
    step(30, f"{len(lines)} wilayah, tata letak PDF")
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[CSS(filename=str(CSS_PATH))]
    )
    step(85, f"{len(document.pages)} halaman ditata")
    return bytes(document.write_pdf())
