"""No lost update: a save carries what the person started from and is merged field by field.

Two tabs of the same report (issue #17): a field changed on one side only is kept, a field
changed differently on both sides is a conflict listing only that field, nothing else; the
same rule for the API (``PATCH`` with ``version``) and the Excel import.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from regions.models import User
from reporting.entry import services
from reporting.models import Report, ReportQuality, ReportStage
from reporting.rules import merge
from tests.conftest import ensure_seeded
from tests.factories_reporting import demo_report

HX = {"HX-Request": "true"}


class _Inputs(HTMLParser):
    """The named inputs of one section form of the report page, as the browser would post."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section, self.inside, self.values = section, False, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(f"/{self.section}/")
        if not self.inside or not a.get("name"):
            if tag == "option" and self.inside and self._select and "selected" in a:
                self.values[self._select] = a.get("value", "")
            return
        if tag == "input":
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(a["name"], "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def open_tab(client: Client, report: Report, section: str) -> dict[str, str]:
    response = client.get(reverse("reporting:report_detail", kwargs={"pk": report.pk}))
    assert response.status_code == 200
    parser = _Inputs(section)
    parser.feed(response.content.decode())
    assert "version" in parser.values and any(k.startswith("base-") for k in parser.values)
    return parser.values


def save(client: Client, report: Report, section: str, data: dict[str, str]):
    url = reverse("reporting:report_section", kwargs={"pk": report.pk, "section": section})
    return client.post(url, data, headers=HX)


def started_from(values: dict[str, str], response) -> dict[str, str]:
    """What the page does after a good save: the next save starts from what is stored."""
    import json
    import re

    match = re.search(r'class="stored-values" data-values="([^"]*)"', response.content.decode())
    assert match, "a good save returns the stored values of the section"
    stored = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    out = dict(values)
    for name, value in stored.items():
        if out.get(name) == values.get(name):
            out[name] = value
        out[f"base-{name}"] = value
    return out


@pytest.fixture
def report(db):
    r = demo_report(code="K-KES-08")
    assert r.status == Report.Status.DRAFT and r.problems == ""
    return r


@pytest.fixture
def two_tabs(login):
    client = login("klaten.dinkes")
    return client, client  # one session, two tabs: the same cookies, two pages


# ---------------------------------------------------------------- the rule itself


def test_merge_rule_by_hand():
    base = {"a": "1", "b": "1", "c": "1", "d": None}
    theirs = {"a": "2", "b": "1", "c": "2", "d": None}
    mine = {"a": "1", "b": "3", "c": "3", "d": ""}
    out = merge.merge(base, mine, theirs)
    # a: untouched by me (theirs kept); b: only mine; c: both, differently; d: "" is empty
    assert out.writes == {"b": "3"} and out.conflicts == ["c"]
    same_both = merge.merge({"x": 1}, {"x": 2}, {"x": 2})
    assert same_both.writes == {} and same_both.conflicts == []
    assert merge.merge({}, {"x": 5}, {"x": 4}).writes == {"x": 5}  # no base: mine


# ---------------------------------------------------------------- the form, two tabs


def test_two_tabs_keep_both_texts_and_later_saves_do_not_revert(two_tabs, report):
    tab_a, tab_b = two_tabs
    a = open_tab(tab_a, report, "problems")
    b = open_tab(tab_b, report, "problems")
    a["solutions"] = "Solusi dari tab A."
    first = save(tab_a, report, "problems", a)
    assert first.status_code == 200
    b["problems"] = "Masalah dari tab B."
    second = save(tab_b, report, "problems", b)
    assert second.status_code == 200  # different fields: no conflict box at all
    assert "Isian Anda belum disimpan" not in second.content.decode()
    stored = Report.objects.get(pk=report.pk)
    assert (stored.problems, stored.solutions) == ("Masalah dari tab B.", "Solusi dari tab A.")
    # Tab B edits its field once more: the field it never touched must not go back.
    b = started_from(b, second)
    assert b["solutions"] == "Solusi dari tab A."  # the page now shows A's text
    b["problems"] = "Masalah dari tab B, diperbaiki."
    assert save(tab_b, report, "problems", b).status_code == 200
    stored.refresh_from_db()
    assert (stored.problems, stored.solutions) == (
        "Masalah dari tab B, diperbaiki.",
        "Solusi dari tab A.",
    )


def test_same_field_changed_by_both_is_one_conflict_with_a_choice(two_tabs, report):
    tab_a, tab_b = two_tabs
    a = open_tab(tab_a, report, "problems")
    b = open_tab(tab_b, report, "problems")
    a["problems"] = "Versi A"
    assert save(tab_a, report, "problems", a).status_code == 200
    version_after_a = Report.objects.get(pk=report.pk).version
    b["problems"] = "Versi B"
    b["solutions"] = "Solusi B"
    response = save(tab_b, report, "problems", b)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Belum tersimpan" in html  # the section's status, never blank
    table = html[html.index('<table class="diff">') : html.index("</table>")]
    assert "Permasalahan" in table and "Versi A" in table and "Versi B" in table
    assert "Solusi" not in table  # only the field both changed
    assert 'data-choice="theirs"' in table and 'data-value="Versi A"' in table
    stored = Report.objects.get(pk=report.pk)
    assert stored.problems == "Versi A" and stored.solutions == ""  # nothing written
    assert stored.version == version_after_a
    # The re-rendered form starts from theirs for the conflicting field and keeps B's input.
    assert 'name="base-problems" value="Versi A"' in html
    assert "Versi B</textarea>" in html
    # "Pakai isian saya": the same input saved again now wins, B's other field with it.
    b["base-problems"] = "Versi A"
    again = save(tab_b, report, "problems", b)
    assert again.status_code == 200
    stored.refresh_from_db()
    assert (stored.problems, stored.solutions) == ("Versi B", "Solusi B")


def test_a_conflict_in_one_section_leaves_the_others_working(two_tabs, report):
    tab_a, tab_b = two_tabs
    a = open_tab(tab_a, report, "problems")
    b_problems = open_tab(tab_b, report, "problems")
    b_recipients = open_tab(tab_b, report, "recipients")
    a["problems"] = "A"
    assert save(tab_a, report, "problems", a).status_code == 200
    b_problems["problems"] = "B"
    assert save(tab_b, report, "problems", b_problems).status_code == 409
    # Tab B's recipients form still carries the version it was opened with.
    assert int(b_recipients["version"]) < Report.objects.get(pk=report.pk).version
    b_recipients["recipients_served"] = "1.250"
    response = save(tab_b, report, "recipients", b_recipients)
    assert response.status_code == 200
    assert Report.objects.get(pk=report.pk).recipients_served == 1250


def test_quality_conflict_lists_only_the_item_both_changed(two_tabs):
    report = demo_report(code="K-KES-08")
    tab_a, tab_b = two_tabs
    rows = list(
        ReportQuality.objects.filter(report=report, quality_item__has_quantity=True)
        .select_related("quality_item")
        .order_by("quality_item__order")
    )
    assert len(rows) >= 2
    first, second = rows[0], rows[1]
    a = open_tab(tab_a, report, "quality")
    b = open_tab(tab_b, report, "quality")
    a[f"q_{first.pk}"] = "800"
    a[f"q_{second.pk}"] = "5"
    assert save(tab_a, report, "quality", a).status_code == 200
    b[f"q_{first.pk}"] = "802"
    response = save(tab_b, report, "quality", b)
    assert response.status_code == 409
    table = response.content.decode().split('<table class="diff">')[1].split("</table>")[0]
    assert first.quality_item.description in table and "800" in table and "802" in table
    assert second.quality_item.description not in table  # B never touched it
    stored = {q.pk: q.realised for q in ReportQuality.objects.filter(report=report)}
    assert stored[first.pk] == Decimal("800") and stored[second.pk] == Decimal("5")


def test_a_good_save_clears_the_sections_old_errors(login, report):
    client = login("klaten.dinkes")
    values = open_tab(client, report, "recipients")
    values["recipients_served"] = "-5"
    refused = save(client, report, "recipients", values)
    assert refused.status_code == 422
    assert "tidak boleh negatif" in refused.content.decode()
    assert "Belum tersimpan" in refused.content.decode()
    values["recipients_served"] = "12"
    ok = save(client, report, "recipients", values)
    assert ok.status_code == 200
    html = ok.content.decode()
    # The answer replaces the status only; the page drops the errors (entry.js afterSaved) and
    # the submit bar follows the save out of band.
    assert "Tersimpan" in html and 'id="workflow-bar"' in html


# ---------------------------------------------------------------- API and import


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def patch_report(client, report, body, **headers):
    url = reverse("api:report-detail", kwargs={"pk": report.pk})
    return client.patch(url, body, format="json", headers=headers)


def test_api_patch_with_an_old_version_applies_only_the_fields_sent(report):
    seen = report.version
    operator = api("klaten.dinkes")
    first = patch_report(operator, report, {"version": seen, "solutions": "Dari formulir"})
    assert first.status_code == 200
    other = patch_report(operator, report, {"version": seen, "problems": "Dari aplikasi"})
    assert other.status_code == 200, other.json()
    stored = Report.objects.get(pk=report.pk)
    assert (stored.problems, stored.solutions) == ("Dari aplikasi", "Dari formulir")
    assert stored.version == seen + 2
    clash = patch_report(operator, report, {"version": seen, "solutions": "Lain lagi"})
    assert clash.status_code == 409
    changes = clash.json()["current"]["changes"]
    assert [c["key"] for c in changes] == ["solutions"]
    assert changes[0]["theirs"] == "Dari formulir" and changes[0]["yours"] == "Lain lagi"
    assert changes[0]["base"] == "—"
    stored.refresh_from_db()
    assert stored.solutions == "Dari formulir" and stored.version == seen + 2


def test_api_stage_and_quality_merge_against_the_version_read(report):
    seen = report.version
    operator = api("klaten.dinkes")
    stage_one = patch_report(
        operator, report, {"version": seen, "stages": [{"stage": 1, "status": "done"}]}
    )
    assert stage_one.status_code == 200
    stage_two = patch_report(
        operator, report, {"version": seen, "stages": [{"stage": 2, "note": "Rapat TAPD"}]}
    )
    assert stage_two.status_code == 200, stage_two.json()
    stages = {s.stage: s for s in ReportStage.objects.filter(report=report)}
    assert stages[1].status == "done" and stages[2].note == "Rapat TAPD"
    clash = patch_report(
        operator, report, {"version": seen, "stages": [{"stage": 1, "status": "in_progress"}]}
    )
    assert clash.status_code == 409
    assert [c["key"] for c in clash.json()["current"]["changes"]] == ["stages.1.status"]


# ---------------------------------------------------------------- 20 edits, 5 sessions


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_field_edits_lose_nothing_acknowledged():
    """5 sessions × 4 edits of one report at once: every 200 is in the final row, every 409
    names its field; nothing acknowledged disappears."""
    ensure_seeded()
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    report = demo_report(code="K-KES-08")
    operator = User.objects.get(username="klaten.dinkes")
    start = services.field_values(report)
    start_version = report.version
    fields = ["problems", "solutions", "stages.1.note", "stages.2.note", "stages.3.note"]
    barrier = threading.Barrier(5)
    outcomes: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def session(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(4):
                key = fields[(n + i) % len(fields)]
                value = f"sesi {n} suntingan {i}"
                try:
                    services.save_fields(report.pk, operator, {key: value}, {key: start[key]})
                    result = "ok"
                except services.StaleVersion as exc:
                    result = "conflict:" + ",".join(c.key for c in exc.changes)
                with lock:
                    outcomes.append((key, value, result))
        finally:
            connection.close()

    threads = [threading.Thread(target=session, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 20
    final = services.field_values(Report.objects.get(pk=report.pk))
    acknowledged = [(k, v) for k, v, r in outcomes if r == "ok"]
    # Every field starts from the same base: the first save of each field wins, later ones to
    # that field are conflicts naming it, so exactly one acknowledgement per field.
    assert sorted(k for k, _v in acknowledged) == sorted(fields)
    for key, value in acknowledged:
        assert final[key] == value, (key, final[key], value)
    for key, _value, result in outcomes:
        if result != "ok":
            assert result == f"conflict:{key}"
    assert Report.objects.get(pk=report.pk).version == start_version + len(fields)
