"""The verifier's workspace (issue #17, section 3): the review page shows the whole report in
Indonesian number format with previews of PDFs and images, the verifier leaves a note per
section and points a return at sections, and the operator sees both beside those sections."""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from regions.models import User
from reporting import workflow
from reporting.models import Report, ReviewNote, WorkflowEvent
from reporting.review import selectors as review_selectors
from reporting.review import services as review_services
from tests import factories_review as f
from tests import factories_workspace as w

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, not the project's private/ folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


@pytest.fixture
def report() -> Report:
    return w.full_report()


def _section(html: str, key: str) -> str:
    """The HTML of one section card (id="sec-<key>") up to its closing tag."""
    start = html.index(f'id="sec-{key}"')
    return html[start : html.index("</section>", start)]


def _review(client, report):
    response = client.get(reverse("reporting:report_review", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- the whole report, inline


def test_review_page_shows_every_section_in_indonesian_format(login, report):
    html = _review(login("klaten.tapem"), report)
    assert "264250" not in html and "300000" not in html  # never raw
    recipients = _section(html, "recipients")
    assert "264.250" in recipients and "300.000" in recipients
    assert "88,08%" in recipients  # 264.250 / 300.000 = 88,083…
    assert "130.125" in recipients and "134.125" in recipients and "Perempuan" in recipients
    quality = _section(html, "quality")
    first = w.quality_rows(report)[0]
    row = quality[quality.index(f'data-quality="{first.quality_item.code}"') :]
    row = row[: row.index("</tr>")]
    assert "1.706" in row and "744,12" in row
    assert "43,62%" in row  # 744,12 / 1.706 = 43,618…
    assert "rekap-kohort.xlsx" in row  # the file attached to that item
    stages = _section(html, "stages")
    for n in (1, 2, 3, 4):
        assert f'data-stage="{n}"' in stages and f"Tahap {n} selesai." in stages
    assert stages.count("Selesai") >= 4
    assert "berita-acara.pdf" in stages  # stage 1's document
    budget = _section(html, "budget")
    assert "Rp1.500.000" in budget and "Rp1.250.000" in budget
    assert "83,33" in budget  # 1.250.000 / 1.500.000
    total = budget[budget.index('data-testid="budget-total"') :]
    assert "Rp1.500.000" in total and "Rp1.250.000" in total
    problems = _section(html, "problems")
    assert w.PROBLEMS in problems and w.SOLUTIONS in problems
    summary = html[html.index('id="summary"') :]
    summary = summary[: summary.index("</section>")]
    assert "264.250" in summary and "300.000" in summary


def test_review_page_previews_pdfs_and_images_only(login, report):
    html = _review(login("klaten.tapem"), report)
    evidence = _section(html, "evidence")
    pdf, png, xlsx = (
        w.evidence_named(report, n)
        for n in ("berita-acara.pdf", "foto-posyandu.png", "rekap-kohort.xlsx")
    )
    preview = lambda ev: reverse("reporting:evidence_preview", args=[ev.pk])  # noqa: E731
    assert re.search(rf'<iframe[^>]*src="{preview(pdf)}"', evidence)
    assert re.search(rf'<img[^>]*src="{preview(png)}"', evidence)
    assert preview(xlsx) not in html  # a spreadsheet is only downloaded
    assert reverse("reporting:evidence_download", args=[xlsx.pk]) in evidence
    # The page's own policy lets it frame only this site (default-src 'self', no frame-src).
    response = login("klaten.tapem").get(reverse("reporting:report_review", args=[report.pk]))
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_preview_is_inline_for_pdf_and_images_with_a_tight_policy(login, report):
    client = login("klaten.tapem")
    pdf = client.get(
        reverse(
            "reporting:evidence_preview", args=[w.evidence_named(report, "berita-acara.pdf").pk]
        )
    )
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Cache-Control"] == "private, no-store"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    policy = pdf["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "sandbox" not in policy  # Chromium's PDF viewer does not start in a sandbox
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    png = client.get(
        reverse(
            "reporting:evidence_preview", args=[w.evidence_named(report, "foto-posyandu.png").pk]
        )
    )
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png["Content-Disposition"].startswith("inline")
    assert png["X-Frame-Options"] == "DENY"
    assert "sandbox" in png["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in png["Content-Security-Policy"]
    # A spreadsheet has no preview; the download stays an attachment.
    xlsx = w.evidence_named(report, "rekap-kohort.xlsx")
    assert client.get(reverse("reporting:evidence_preview", args=[xlsx.pk])).status_code == 404
    download = client.get(reverse("reporting:evidence_download", args=[xlsx.pk]))
    assert download["Content-Disposition"].startswith("attachment")


def test_preview_follows_the_download_scope(login, report):
    pdf = w.evidence_named(report, "berita-acara.pdf")
    url = reverse("reporting:evidence_preview", args=[pdf.pk])
    assert login("klaten.dinkes").get(url).status_code == 200  # the report's own operator
    assert login("ngawi.tapem").get(url).status_code == 404  # another region: no hint
    assert login("klaten.dindik").get(url).status_code == 404  # another agency
    pdf.deleted_at = pdf.uploaded_at
    pdf.save(update_fields=["deleted_at"])
    assert login("klaten.tapem").get(url).status_code == 404  # deleted files are gone


def test_review_page_query_count_is_bounded(login, report, django_assert_max_num_queries):
    client = login("klaten.tapem")
    review_services.save_note(report.pk, User.objects.get(username="klaten.tapem"), "budget", "x")
    with django_assert_max_num_queries(60):
        assert client.get(reverse("reporting:report_review", args=[report.pk])).status_code == 200


# ---------------------------------------------------------------- section notes


def test_verifier_notes_a_section_and_the_operator_sees_it_beside_it(login, cast, report):
    tapem = login("klaten.tapem")
    url = reverse("reporting:review_note", args=[report.pk, "quality"])
    text = "Realisasi 744,12 dosis tidak sesuai rekap kohort."
    response = tapem.post(url, {"text": text})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/laporan/{report.pk}/tinjau/#sec-quality")
    note = ReviewNote.objects.get(report=report, section="quality")
    assert note.text == text and note.author == cast["klaten.tapem"]
    history = list(note.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+"]
    assert history[0].history_user == cast["klaten.tapem"]
    # The review page keeps it in the section's note field.
    quality = _section(_review(tapem, report), "quality")
    assert f">{text}</textarea>" in quality
    # The operator's form shows it in the quality section, and only there.
    form = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    html = form.content.decode()
    assert text in _section(html, "quality")
    assert 'data-testid="review-note-quality"' in _section(html, "quality")
    for key in ("recipients", "stages", "budget", "problems", "evidence"):
        assert text not in _section(html, key)
    # Blank text removes it (from the note the form showed); the history keeps both steps.
    tapem.post(url, {"text": "  \u200b ", "base": text})
    assert not ReviewNote.objects.filter(report=report).exists()
    kinds = list(ReviewNote.history.filter(id=note.pk).values_list("history_type", flat=True))
    assert sorted(kinds) == ["+", "-"]


def test_only_the_regions_verifier_notes_while_verifying(login, cast, report):
    url = reverse("reporting:review_note", args=[report.pk, "budget"])
    assert login("klaten.dinkes").post(url, {"text": "x"}).status_code == 403
    assert login("jateng.biro").post(url, {"text": "x"}).status_code == 403
    assert login("ngawi.tapem").post(url, {"text": "x"}).status_code == 404
    unknown = reverse("reporting:review_note", args=[report.pk, "anggaran"])
    assert login("klaten.tapem").post(unknown, {"text": "x"}).status_code == 404
    too_long = login("klaten.tapem").post(url, {"text": "x" * 3001})
    assert too_long.status_code == 409
    assert "paling panjang 3000" in too_long.content.decode()
    assert "x" * 3001 in too_long.content.decode()  # what was typed stays in the field
    assert not ReviewNote.objects.filter(report=report).exists()
    # Exactly 3000 characters is a note.
    assert login("klaten.tapem").post(url, {"text": "y" * 3000}).status_code == 302
    f.set_status(report, Report.Status.VERIFIED)
    after = login("klaten.tapem").post(url, {"text": "z"})
    assert after.status_code == 409
    assert "selama laporan diverifikasi" in after.content.decode()
    assert ReviewNote.objects.get(report=report, section="budget").text == "y" * 3000
    # Once verified the page shows the note, without a form.
    html = _review(login("klaten.tapem"), report)
    assert 'data-testid="review-note-budget"' in html and 'name="text"' not in html


def test_note_form_only_for_the_verifier(login, report):
    assert 'class="note-form"' in _review(login("klaten.tapem"), report)
    for user in ("klaten.dinkes", "jateng.biro", "klaten.inspektorat", "bangda.admin"):
        assert 'class="note-form"' not in _review(login(user), report), user


# ---------------------------------------------------------------- a return that points


def test_return_points_at_sections_and_the_operator_sees_the_reason_there(login, report):
    reason = "Rincian penerima dan bukti kohort belum sesuai."
    response = login("klaten.tapem").post(
        reverse("reporting:report_transition", args=[report.pk, "return"]),
        {
            "reason": reason,
            "status": "submitted",
            "version": report.version,
            "sections": ["evidence", "recipients"],
        },
    )
    assert response.status_code == 302
    event = WorkflowEvent.objects.get(report=report, action="return")
    assert event.sections == ["recipients", "evidence"]  # the form's order
    html = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    html = html.content.decode()
    for key in ("recipients", "evidence"):
        section = _section(html, key)
        assert f'data-testid="return-pointer-{key}"' in section and reason in section
    for key in ("quality", "stages", "budget", "problems"):
        assert reason not in _section(html, key)
    bar = html[html.index('data-testid="return-sections"') :]
    bar = bar[: bar.index("</p>")]
    assert "Penerima layanan" in bar and "Bukti dukung" in bar and "Anggaran" not in bar
    assert f"/laporan/{report.pk}/#sec-recipients" in bar
    # Resubmitted: the verifier still sees where the last return pointed.
    f.set_status(report, Report.Status.SUBMITTED)
    review = _review(login("klaten.tapem"), report)
    assert 'data-testid="return-pointer-evidence"' in _section(review, "evidence")
    assert "return-pointer" not in _section(review, "budget")
    # The operator no longer sees the pointers once the report left "returned".
    again = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    assert "return-pointer" not in again.content.decode()


def test_return_without_sections_points_nowhere(login, report):
    workflow.transition(report, "return", User.objects.get(username="klaten.tapem"), reason="Cek")
    event = WorkflowEvent.objects.get(report=report, action="return")
    assert event.sections == []
    html = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    assert "return-pointer" not in html.content.decode()
    assert 'data-testid="return-sections"' not in html.content.decode()


def test_sections_are_checked_by_the_step(cast, report):
    tapem = cast["klaten.tapem"]
    with pytest.raises(workflow.Refused) as unknown:
        workflow.transition(report, "return", tapem, reason="x", sections=["anggaran"])
    assert unknown.value.field == "sections"
    with pytest.raises(workflow.Refused) as not_a_return:
        workflow.transition(report, "verify", tapem, sections=["budget"])
    assert not_a_return.value.field == "sections"
    assert Report.objects.get(pk=report.pk).status == Report.Status.SUBMITTED
    # Someone without the role learns nothing about sections: the role refusal comes first.
    with pytest.raises(workflow.NotAllowed):
        workflow.transition(report, "return", cast["klaten.dinkes"], sections=["anggaran"])


def test_refused_return_keeps_the_typed_reason_and_sections(login, report):
    response = login("klaten.tapem").post(
        reverse("reporting:report_transition", args=[report.pk, "return"]),
        {"reason": "  ", "status": "submitted", "version": report.version, "sections": ["budget"]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alasan wajib diisi." in html
    box = re.search(r'<input[^>]*name="sections"[^>]*value="budget"[^>]*>', html)
    assert box and "checked" in box.group(0)
    other = re.search(r'<input[^>]*name="sections"[^>]*value="quality"[^>]*>', html)
    assert other and "checked" not in other.group(0)


# ---------------------------------------------------------------- changes since return


def test_diff_formats_index_and_stage_status():
    before = {
        "values": {"capaian_index": "70.1000", "recipients_served": 1000},
        "stages": {"1": {"status": "in_progress", "note": ""}},
    }
    after = {
        "values": {"capaian_index": "76.4201", "recipients_served": 264250},
        "stages": {"1": {"status": "done", "note": ""}},
    }
    rows = {r.label: (r.before, r.after) for r in review_selectors.diff_snapshots(before, after)}
    assert rows["Indeks capaian"] == ("70,10", "76,42")
    assert rows["Penerima terlayani"] == ("1.000", "264.250")
    stage = next(v for k, v in rows.items() if k.endswith("— status"))
    assert stage == ("Sedang dilaksanakan", "Selesai")


def test_diff_lists_evidence_added_and_removed():
    before = {"files": [{"id": 1, "name": "lama.pdf", "sha256": "a"}]}
    after = {"files": [{"id": 2, "name": "baru.png", "sha256": "b"}]}
    rows = [(r.label, r.before, r.after) for r in review_selectors.diff_snapshots(before, after)]
    assert ("lama.pdf", "ada", "dihapus") in rows
    assert ("baru.png", "–", "ditambahkan") in rows


def test_breakdown_in_the_diff_is_formatted():
    rows = review_selectors.diff_snapshots(
        {"values": {"recipients_breakdown": {"Laki-laki": 90000}}},
        {"values": {"recipients_breakdown": {"Laki-laki": 132125}}},
    )
    assert [(r.before, r.after) for r in rows] == [("Laki-laki: 90.000", "Laki-laki: 132.125")]


def test_section_keys_are_the_forms(login, report):
    """A note or a return names a section by the key the form's cards carry (sec-<key>)."""
    from reporting.entry import patch
    from reporting.models import Section

    assert set(patch.SECTION_KEYS) <= set(Section.values)
    form = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    review = _review(login("klaten.tapem"), report)
    for key in Section.values:
        assert f'id="sec-{key}"' in form.content.decode(), key
        assert f'id="sec-{key}"' in review, key


def test_notes_are_in_the_audit_trail_of_their_region(login, cast, report):
    review_services.save_note(report.pk, cast["klaten.tapem"], "budget", "Cek pagu")
    review_services.save_note(
        report.pk, cast["klaten.tapem"], "budget", "Cek pagu DPA", base="Cek pagu"
    )
    url = reverse("reporting:audit_trail")
    klaten = login("klaten.inspektorat").get(url, {"kind": "review_note"})
    assert klaten.status_code == 200
    assert klaten.context["page"].paginator.count == 2  # created, then changed
    ngawi = login("ngawi.tapem").get(url, {"kind": "review_note"})
    assert ngawi.status_code == 200 and ngawi.context["page"].paginator.count == 0


def test_demo_return_points_at_recipients_and_evidence(login):
    from reporting.demo import RETURN_REASON
    from tests.factories_reporting import demo_report

    report = demo_report(code="K-KES-04")
    event = WorkflowEvent.objects.filter(report=report, action="return").latest("at")
    assert event.sections == ["recipients", "evidence"]
    html = login("klaten.dinkes").get(reverse("reporting:report_detail", args=[report.pk]))
    html = html.content.decode()
    assert 'data-testid="return-pointer-recipients"' in _section(html, "recipients")
    assert 'data-testid="return-pointer-evidence"' in _section(html, "evidence")
    assert RETURN_REASON[:40] in _section(html, "recipients")


def test_review_page_rounds_a_budget_share_half_up_like_every_figure(login, report):
    """Rp1 of Rp800 realised is 0,125 %: 0,13 on the line and in the total, as on the
    dashboards and in the PDF (``capaian.round2``), never a banker's 0,12."""
    from reporting.models import BudgetLine

    BudgetLine.objects.filter(report=report).update(allocated=800, realised=1)
    budget = _section(_review(login("klaten.tapem"), report), "budget")
    line = budget[: budget.index('data-testid="budget-total"')]
    assert "0,13" in line and "0,12" not in line
    total = budget[budget.index('data-testid="budget-total"') :]
    assert "0,13" in total and "0,12" not in total
