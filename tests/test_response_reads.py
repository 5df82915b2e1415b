"""Reads shared while one response is built (``espm.reads``), afresh everywhere else."""

from __future__ import annotations

import datetime

import pytest

from espm.reads import active, building_response, once
from reporting import reads, workflow
from reporting.models import RegionSubmission
from reporting.quality import selectors as quality
from tests.factories_reporting import demo_report


def test_once_reads_afresh_outside_a_response():
    calls = []
    assert not active()
    assert once("k", lambda: calls.append(1) or len(calls)) == 1
    assert once("k", lambda: calls.append(1) or len(calls)) == 2
    assert calls == [1, 1]


def test_once_shares_within_a_response_and_forgets_after():
    calls = []

    def read():
        calls.append(1)
        return None  # a missing row is an answer too: not read again

    with building_response():
        assert active()
        assert once("k", read) is None
        assert once("k", read) is None
        assert once("other", lambda: 7) == 7
    assert calls == [1]
    assert not active()
    once("k", read)
    assert calls == [1, 1]


def test_nested_responses_keep_their_own_reads():
    with building_response():
        assert once("k", lambda: "outer") == "outer"
        with building_response():
            assert once("k", lambda: "inner") == "inner"
        assert once("k", lambda: "again") == "outer"


@pytest.mark.django_db
def test_a_write_outside_a_response_is_seen_by_the_next_read(django_assert_num_queries):
    """The write paths (a step's checks after a save) never get an earlier answer."""
    report = demo_report(code="K-KES-01")
    before = workflow.submission_for(report)
    assert before is not None and before.due_date != datetime.date(2026, 11, 30)
    RegionSubmission.objects.filter(region_id=report.region_id, period_id=report.period_id).update(
        due_date=datetime.date(2026, 11, 30)
    )
    after = workflow.submission_for(report)
    assert after is not None and after.due_date == datetime.date(2026, 11, 30)
    with django_assert_num_queries(1), building_response():
        assert reads.submission_of(report) is workflow.submission_for(report)


@pytest.mark.django_db
def test_the_flags_are_one_query_per_response(django_assert_num_queries):
    report = demo_report(code="K-KES-01")
    with django_assert_num_queries(1), building_response():
        first = quality.checks_of(report.pk)
        assert quality.checks_of(report.pk) is first
    with django_assert_num_queries(2):
        quality.checks_of(report.pk)
        quality.checks_of(report.pk)


def test_a_save_hands_its_answer_what_it_read_after_writing():
    """``known``: the answer starts from what the save read after its writes, under the same
    keys; anything else is read once as usual."""
    calls = []
    with building_response({"rows": ["stored"]}):
        assert once("rows", lambda: calls.append("rows") or ["read"]) == ["stored"]
        assert once("flags", lambda: calls.append("flags") or []) == []
        assert once("flags", lambda: calls.append("flags") or []) == []
    assert calls == ["flags"]
    with building_response():
        assert once("rows", lambda: ["read"]) == ["read"]  # nothing carried over
