"""No step and no note acts on a state its actor never saw (audit: lost update in the review).

A report can leave ``submitted`` and come back to it with other figures (the operator
withdraws, edits, resubmits): the status reads the same, the version does not. So the review
page's buttons, the bulk confirmation and the API carry the version that was shown, and a
changed one is refused with the workflow's Stale message; the verifier's section notes carry
the note they started from (``base``) and are never replaced unseen.

The demo's TW III: Klaten reports submitted by klaten.dinkes, verified by klaten.tapem.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from regions.models import Region, User
from reporting import workflow
from reporting.entry import services as entry_services
from reporting.models import RegionSubmission, Report, ReviewNote, Section
from reporting.review import selectors as review_selectors
from reporting.review import services as review_services
from tests import factories_review as f

pytestmark = pytest.mark.django_db

OPERATOR, HEAD, VERIFIER = "klaten.dinkes", "klaten.kadinkes", "klaten.tapem"
CHANGED = "ANGKA DIUBAH SETELAH DITAMPILKAN"


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _ready_reports(n: int = 1) -> list[Report]:
    """Submitted Klaten reports of the operator that the verifier's bulk list offers as ready."""
    spec = workflow.TRANSITIONS[(workflow.Kind.REPORT, "verify")]
    verifier = _user(VERIFIER)
    found = []
    for r in Report.objects.filter(
        region__code="33.10",
        status=Report.Status.SUBMITTED,
        agency__isnull=False,
        updated_by__username=OPERATOR,
    ).order_by("pk"):
        r = review_selectors.bulk_candidates(verifier, [r.pk])[0]
        actor = workflow.actor_for(spec, r, verifier)
        if actor and not workflow.step_problems(spec, r, actor) and not workflow.target_problem(r):
            found.append(r)
            if len(found) == n:
                return found
    raise AssertionError(f"fewer than {n} ready reports in the demo")


def _changed_and_resubmitted(report: Report) -> Report:
    """The operator pulls the report back, changes it and hands it in again: `submitted`."""
    operator = _user(OPERATOR)
    workflow.transition(Report.objects.get(pk=report.pk), "withdraw", operator)
    fresh = Report.objects.get(pk=report.pk)
    entry_services.save_problems(
        report.pk, operator, fresh.version, problems=CHANGED, solutions=fresh.solutions
    )
    result = workflow.transition(Report.objects.get(pk=report.pk), "submit", operator)
    if result.obj.status == Report.Status.AWAITING_HEAD:
        workflow.transition(result.obj, "head_approve", _user(HEAD))
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.status == Report.Status.SUBMITTED and fresh.problems == CHANGED
    return fresh


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden inputs of the page's form posting to `action` (what the browser sends)."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    found = re.findall(r'<input\s+type="hidden"\s+name="([^"]+)"\s+value="([^"]*)"', form)
    posted = {name: unescape(value) for name, value in found}
    posted.pop("csrfmiddlewaretoken", None)
    return posted


def _status(report: Report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=_user(username))
    return Client(headers={"Authorization": f"Token {token.key}"})


# ---------------------------------------------------------------- the review page's buttons


def test_verify_button_refuses_figures_changed_after_the_page_was_shown(login):
    (report,) = _ready_reports()
    verifier = login(VERIFIER)
    page = verifier.get(reverse("reporting:report_review", args=[report.pk])).content.decode()
    action = reverse("reporting:report_transition", args=[report.pk, "verify"])
    posted = _form(page, action)
    assert posted["version"] == str(report.version) and posted["status"] == "submitted"

    changed = _changed_and_resubmitted(report)
    assert changed.version > report.version  # the same status, another version
    refused = verifier.post(action, posted)
    assert refused.status_code == 200  # the page again, with the refusal
    html = refused.content.decode()
    assert "Sudah ada yang bertindak lebih dulu: Diajukan oleh " in html
    assert 'data-testid="stale-hint"' in html
    assert CHANGED in html  # the page now shows the figures it refused to verify unseen
    assert _status(report) == "submitted"

    # The page as shown now carries the new version: verifying it is a deliberate second click.
    again = _form(html, action)
    assert again["version"] == str(changed.version)
    assert verifier.post(action, again).status_code == 302
    assert _status(report) == "verified"


def test_a_refused_return_keeps_the_typed_reason(login):
    (report,) = _ready_reports()
    verifier = login(VERIFIER)
    page = verifier.get(reverse("reporting:report_review", args=[report.pk])).content.decode()
    action = reverse("reporting:report_transition", args=[report.pk, "return"])
    posted = _form(page, action)
    _changed_and_resubmitted(report)
    reason = "Rincian penerima tidak sesuai rekap puskesmas."
    refused = verifier.post(action, {**posted, "reason": reason, "sections": ["recipients"]})
    html = refused.content.decode()
    assert "Sudah ada yang bertindak lebih dulu" in html
    assert f">{reason}</textarea>" in html  # nothing typed is lost
    assert _status(report) == "submitted"


def test_a_step_without_the_shown_version_is_refused_after_the_role_check(login):
    (report,) = _ready_reports()
    url = reverse("reporting:report_transition", args=[report.pk, "verify"])
    response = login(VERIFIER).post(url, {"status": "submitted"})
    assert response.status_code == 200
    assert "Versi yang Anda lihat tidak terkirim" in response.content.decode()
    assert _status(report) == "submitted"
    # Who may not fire the step still hears that first (403), who may not see it 404.
    assert login("klaten.inspektorat").post(url, {"status": "submitted"}).status_code == 403
    assert login("ngawi.tapem").post(url, {"status": "submitted"}).status_code == 404


def test_the_operators_submit_refuses_data_saved_in_another_tab(login):
    (report,) = _ready_reports()
    operator = _user(OPERATOR)
    workflow.transition(report, "withdraw", operator)
    client = login(OPERATOR)
    page = client.get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    action = reverse("reporting:report_transition", args=[report.pk, "submit"])
    posted = _form(page, action)
    fresh = Report.objects.get(pk=report.pk)
    assert posted["version"] == str(fresh.version)
    # Another tab saves a change: the first tab's submit would hand in what it never showed.
    entry_services.save_problems(
        report.pk, operator, fresh.version, problems=CHANGED, solutions=fresh.solutions
    )
    refused = client.post(action, posted).content.decode()
    assert "Data sudah diubah oleh " in refused and "sejak halaman ini ditampilkan" in refused
    assert _status(report) == "draft"


def test_region_accept_refuses_a_submission_returned_and_resubmitted_since(login):
    klaten = Region.objects.get(code="33.10")
    sub = f.verified_region(klaten, f.period(2027, 1))
    tapem, biro = _user(VERIFIER), _user("jateng.biro")
    workflow.transition(sub, "submit_region", tapem)
    client = login("jateng.biro")
    page = client.get(reverse("reporting:submission_detail", args=[sub.pk])).content.decode()
    action = reverse("reporting:submission_transition", args=[sub.pk, "accept"])
    posted = _form(page, action)
    shown = RegionSubmission.objects.get(pk=sub.pk)
    assert posted["version"] == str(shown.version)
    # Another tab returns it, the kab/kota hands it in again: `submitted` once more.
    workflow.transition(shown, "return_region", biro, reason="Lengkapi data.")
    again = workflow.transition(RegionSubmission.objects.get(pk=sub.pk), "submit_region", tapem)
    assert again.obj.status == RegionSubmission.Status.SUBMITTED
    refused = client.post(action, posted)
    assert refused.status_code == 200
    assert "Sudah ada yang bertindak lebih dulu: Laporan wilayah diajukan" in (
        refused.content.decode()
    )
    assert RegionSubmission.objects.get(pk=sub.pk).status == RegionSubmission.Status.SUBMITTED
    without = client.post(action, {"status": "submitted"})
    assert "Versi yang Anda lihat tidak terkirim" in without.content.decode()
    assert RegionSubmission.objects.get(pk=sub.pk).status == RegionSubmission.Status.SUBMITTED


# ---------------------------------------------------------------- bulk verify


def test_bulk_confirm_refuses_and_names_a_report_changed_since_the_list_the_rest_proceed(login):
    changed, kept = _ready_reports(2)
    verifier = login(VERIFIER)
    url = reverse("reporting:review_bulk_verify")
    shown = verifier.get(url, {"ids": [changed.pk, kept.pk]}).content.decode()
    for r in (changed, kept):
        assert f'name="version-{r.pk}" value="{r.version}"' in shown
    posted = _form(shown, url)
    posted["ids"] = [changed.pk, kept.pk]  # type: ignore[assignment]  # both checkboxes

    _changed_and_resubmitted(changed)
    response = verifier.post(url, posted, follow=True)
    assert _status(changed) == "submitted"  # refused: the list showed another version
    assert _status(kept) == "verified"
    texts = [str(m) for m in response.context["messages"]]
    assert "1 laporan diverifikasi." in texts
    assert any(
        t.startswith(f"{changed.service_type.code}: Sudah ada yang bertindak lebih dulu")
        for t in texts
    ), texts


def test_bulk_confirm_names_a_listed_report_that_no_longer_passes(login):
    withdrawn, kept = _ready_reports(2)
    verifier = login(VERIFIER)
    url = reverse("reporting:review_bulk_verify")
    posted = _form(verifier.get(url, {"ids": [withdrawn.pk, kept.pk]}).content.decode(), url)
    posted["ids"] = [withdrawn.pk, kept.pk]  # type: ignore[assignment]
    workflow.transition(withdrawn, "withdraw", _user(OPERATOR))
    response = verifier.post(url, posted, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert _status(withdrawn) == "draft" and _status(kept) == "verified"
    code = withdrawn.service_type.code
    assert any(
        t.startswith(f"{code}: Sudah ada yang bertindak lebih dulu: Ditarik kembali operator")
        for t in texts
    ), texts


def test_bulk_confirm_without_the_shown_versions_verifies_nothing(login):
    (report,) = _ready_reports()
    url = reverse("reporting:review_bulk_verify")
    response = login(VERIFIER).post(url, {"ids": [report.pk], "confirm": "1"}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("Versi yang Anda lihat tidak terkirim" in t for t in texts), texts
    assert _status(report) == "submitted"


def test_bulk_verify_service_takes_the_shown_versions(db):
    changed, kept = _ready_reports(2)
    seen = {changed.pk: changed.version, kept.pk: kept.version}
    _changed_and_resubmitted(changed)
    fresh = list(Report.objects.filter(pk__in=seen).order_by("pk"))
    done, refused = workflow.bulk_verify(fresh, _user(VERIFIER), seen=seen)
    assert [r.pk for r in done] == [kept.pk]
    assert [r.pk for r, _ in refused] == [changed.pk]
    assert refused[0][1].startswith("Sudah ada yang bertindak lebih dulu: Diajukan oleh ")
    _, missing = workflow.bulk_verify([Report.objects.get(pk=changed.pk)], _user(VERIFIER), seen={})
    assert missing[0][1] == "Versi yang Anda lihat tidak terkirim; muat ulang halaman lalu ulangi."


# ---------------------------------------------------------------- the API's steps


def test_api_step_without_version_or_if_match_is_400_like_patch():
    (report,) = _ready_reports()
    client = api(VERIFIER)
    url = reverse("api:report-verify", kwargs={"pk": report.pk})
    for headers in ({}, {"If-Match": "*"}):
        response = client.post(url, {}, content_type="application/json", headers=headers)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid" and "version" in body["errors"]
    assert _status(report) == "submitted"
    # Out of scope is still 404 first: nothing is said about the report.
    assert api("ngawi.tapem").post(url, {}, content_type="application/json").status_code == 404


def test_api_step_on_a_changed_version_is_stale_and_on_the_read_one_acts():
    (report,) = _ready_reports()
    client = api(VERIFIER)
    read = client.get(reverse("api:report-detail", kwargs={"pk": report.pk}))
    etag = read["ETag"]
    changed = _changed_and_resubmitted(report)
    url = reverse("api:report-verify", kwargs={"pk": report.pk})
    body = client.post(url, {"version": report.version}, content_type="application/json")
    assert body.status_code == 409 and body.json()["code"] == "stale"
    assert body.json()["current"]["version"] == changed.version
    header = client.post(url, {}, content_type="application/json", headers={"If-Match": etag})
    assert header.status_code == 412
    assert _status(report) == "submitted"
    ok = client.post(url, {"version": changed.version}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["report"]["status"] == "verified"


def test_api_region_step_without_version_is_400():
    sub = f.verified_region(Region.objects.get(code="33.10"), f.period(2027, 1))
    url = reverse("api:region-submission-submit", kwargs={"pk": sub.pk})
    response = api(VERIFIER).post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "version" in response.json()["errors"]
    assert RegionSubmission.objects.get(pk=sub.pk).status == RegionSubmission.Status.IN_PROGRESS


# ---------------------------------------------------------------- section notes


def test_a_second_tabs_note_on_the_empty_note_does_not_replace_the_first(db):
    (report,) = _ready_reports()
    verifier = _user(VERIFIER)
    first = "Catatan A: realisasi B1 > sasaran"
    # Two tabs (or two verifiers of the region) opened the page on an empty note.
    review_services.save_note(report.pk, verifier, Section.QUALITY, first, base="")
    with pytest.raises(review_services.NoteChanged) as changed:
        review_services.save_note(report.pk, verifier, Section.QUALITY, "Catatan B", base="")
    assert changed.value.message.startswith("Catatan bagian Mutu minimal sudah diubah oleh ")
    assert changed.value.message.endswith("sejak Anda membukanya; catatan Anda belum disimpan.")
    assert changed.value.current.text == first
    assert list(ReviewNote.objects.filter(report=report).values_list("text", flat=True)) == [first]
    # Removing a note one has not seen is refused too.
    with pytest.raises(review_services.NoteChanged):
        review_services.save_note(report.pk, verifier, Section.QUALITY, "", base="lama")
    # Started from the note as it is: replaced; a browser's CRLF matches the stored LF.
    review_services.save_note(report.pk, verifier, Section.QUALITY, "B\nbaris 2", base=first)
    note = review_services.save_note(
        report.pk, verifier, Section.QUALITY, "C", base="B\r\nbaris 2  "
    )
    assert note is not None and note.text == "C"
    # Saving what is stored already is no change, whatever the base (a repeated click).
    assert review_services.save_note(report.pk, verifier, Section.QUALITY, "C", base="x") == note


def test_a_removed_note_is_named_as_removed(db):
    (report,) = _ready_reports()
    verifier = _user(VERIFIER)
    review_services.save_note(report.pk, verifier, Section.BUDGET, "Pagu?", base="")
    review_services.save_note(report.pk, verifier, Section.BUDGET, "", base="Pagu?")
    with pytest.raises(review_services.NoteChanged) as changed:
        review_services.save_note(report.pk, verifier, Section.BUDGET, "Pagu 0?", base="Pagu?")
    assert changed.value.current is None
    assert changed.value.message.startswith("Catatan bagian Anggaran sudah dihapus oleh ")
    assert not ReviewNote.objects.filter(report=report).exists()


def test_the_note_form_keeps_the_typed_text_and_shows_the_note_that_won(login):
    (report,) = _ready_reports()
    tab_a, tab_b = login(VERIFIER), login(VERIFIER)
    page_url = reverse("reporting:report_review", args=[report.pk])
    action = reverse("reporting:review_note", args=[report.pk, "quality"])
    form_a = _form(tab_a.get(page_url).content.decode(), action)
    form_b = _form(tab_b.get(page_url).content.decode(), action)
    assert form_a == form_b == {"base": ""}
    assert tab_a.post(action, {**form_a, "text": "Catatan A"}).status_code == 302

    typed = "Catatan B: bukti tahap 2 kurang"
    refused = tab_b.post(action, {**form_b, "text": typed})
    assert refused.status_code == 409
    html = refused.content.decode()
    box = html[html.index('data-testid="note-conflict-quality"') :]
    box = box[: box.index("</div>")]
    assert "sudah diubah oleh" in box and "Catatan A" in box  # the note that is stored now
    assert f">{typed}</textarea>" in html  # what was typed stays in the field
    assert ReviewNote.objects.get(report=report, section="quality").text == "Catatan A"
    # The form now starts from the stored note: saving again replaces it, knowingly.
    again = _form(html, action)
    assert again == {"base": "Catatan A"}
    assert tab_b.post(action, {**again, "text": typed}).status_code == 302
    assert ReviewNote.objects.get(report=report, section="quality").text == typed


def test_api_note_needs_the_note_read_and_refuses_a_changed_one():
    (report,) = _ready_reports()
    client = api(VERIFIER)
    url = reverse("api:report-review-notes", kwargs={"pk": report.pk})

    def post(body):
        return client.post(url, body, content_type="application/json")

    missing = post({"section": "quality", "text": "A"})
    assert missing.status_code == 400 and "base" in missing.json()["errors"]
    assert post({"section": "quality", "text": "A", "base": ""}).status_code == 200
    stale = post({"section": "quality", "text": "B", "base": ""})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale"
    assert body["current"]["text"] == "A" and body["current"]["note"]["author"] == VERIFIER
    assert post({"section": "quality", "text": "B", "base": "A"}).status_code == 200
    gone = post({"section": "quality", "text": "", "base": "B"})
    assert gone.status_code == 204
    again = post({"section": "quality", "text": "C", "base": "B"})
    assert again.status_code == 409
    assert again.json()["current"] == {"text": "", "note": None}
