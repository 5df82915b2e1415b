"""API of the review chain: region submissions (read, the steps up the chain, timeline, the
province recap) and the caller's notifications; also the workflow-step pieces both reports and
region submissions use (``reporting.entry.api`` takes them from here).

Reads go through the scoping layer and the pages' selectors (``reporting.review.selectors``,
``reporting.recap``); steps go through ``reporting.workflow.transition``, as on the pages.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from espm import versioning
from espm.api_base import Conflict, Pagination
from regions.models import Level, Region
from regions.scoping import Action
from reporting import notifications, recap, workflow
from reporting.models import Notification, RegionSubmission, Report, Section, WorkflowEvent
from reporting.periods.api import PeriodRefSerializer
from reporting.review import selectors as review_selectors
from reporting.rules import windows
from reporting.rules.capaian import round2

# ---------------------------------------------------------------- workflow steps


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Wajib untuk return/reopen."
    )
    target_exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="verify: alasan memverifikasi walau target tahunan layanan ini belum "
        "terverifikasi (tercatat di riwayat alur). Tanpa target terverifikasi atau alasan ini, "
        "verifikasi ditolak (409).",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Versi yang Anda lihat (atau header If-Match). Wajib salah satunya: tanpa "
        "keduanya 400. Versi yang sudah berubah 409 (If-Match: 412); langkah ganda tidak diulang.",
    )


class ReportTransitionSerializer(TransitionSerializer):
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=Section.choices),
        required=False,
        max_length=len(Section.choices),
        help_text="return, head-return, reopen: bagian formulir yang dimaksud alasan "
        "(operator melihat alasan di samping bagian itu). Langkah lain menolaknya (400).",
    )


class SubmissionTransitionSerializer(TransitionSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Wajib untuk return dan reopen."
    )
    due_date = serializers.DateField(
        required=False, help_text="Wajib untuk reopen: batas waktu baru (tidak sebelum hari ini)."
    )


class TimelineEventSerializer(serializers.ModelSerializer):
    """One workflow step as the review pages' "Riwayat alur" shows it (no snapshot, no e-mail)."""

    label: Any = serializers.CharField(
        read_only=True, help_text="Nama langkah seperti di halaman, mis. Dikembalikan verifikator."
    )
    actor = serializers.CharField(
        source="actor.username", read_only=True, help_text="Nama pengguna yang melakukan langkah."
    )
    actor_name = serializers.CharField(
        source="actor",
        read_only=True,
        help_text="Nama tampilan pelaku (nama lengkap, atau nama pengguna bila kosong).",
    )

    action = serializers.CharField(
        read_only=True,
        help_text="Langkah pada tabel alur kerja (reporting.workflow), mis. submit, return, "
        "verify, submit_region, accept, return_region, reopen_region.",
    )
    from_status = serializers.CharField(read_only=True, help_text="Status sebelum langkah.")
    to_status = serializers.CharField(read_only=True, help_text="Status sesudah langkah.")
    reason = serializers.CharField(
        read_only=True, help_text="Alasan/catatan; kosong bila tidak ada."
    )
    sections = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Pengembalian laporan: bagian formulir yang dimaksud alasan (kosong: "
        "seluruh laporan).",
    )

    class Meta:
        model = WorkflowEvent
        fields = [
            "id",
            "action",
            "label",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "reason",
            "sections",
        ]
        read_only_fields = fields


def _timeline_schema(tag: str, what: str) -> Any:
    return extend_schema(
        tags=[tag],
        summary=f"Riwayat alur {what}: siapa, kapan, langkah apa dan alasannya (urut waktu)",
        request=None,
        responses={200: TimelineEventSerializer(many=True)},
    )


TIMELINE_ACTION: dict[str, Any] = {
    "detail": True,
    "methods": ["get"],
    "pagination_class": None,
    "filterset_class": None,
}


def _fire(
    obj: Report | RegionSubmission,
    name: str,
    request: Request,
    data: dict[str, Any],
    **extra: Any,
) -> workflow.Result:
    """One step through `workflow.transition` (the table the pages use), errors in the API shape.

    The version seen comes from `If-Match` or the body's `version`, and one of them is required
    (400, as for PATCH): a step acts only on the state its caller read — the status alone does
    not say it (withdraw, edit, resubmit). Someone acting first is a 409 (412 for a stale
    `If-Match`), a refused step a 409 listing what is missing.
    """
    seen = versioning.seen(request, data.get("version"))
    version = seen.required()
    try:
        return workflow.transition(
            obj,
            name,
            request.user,
            reason=data.get("reason", ""),
            expected_version=version,
            target_exception_reason=data.get("target_exception_reason", ""),
            sections=data.get("sections", ()),
            **extra,
        )
    except workflow.NotAllowed as exc:
        raise exceptions.PermissionDenied(exc.message) from exc
    except workflow.TransitionError as exc:
        if exc.field:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        obj.refresh_from_db(fields=["status", "version"])
        stale = isinstance(exc, workflow.Stale)
        current = {
            "status": obj.status,
            "version": obj.version,
            "problems": [p.message for p in exc.problems],
        }
        if stale:
            raise versioning.stale_error(
                exc.message, from_header=seen.from_header, current=current, code="stale"
            ) from exc
        raise Conflict(exc.message, code="refused", current=current) from exc


# The `_step` of the report and region-submission viewsets: the body checked by
# ``step_request``, the step fired through `_fire`, the answer
# ``{"already_done": …, <step_body>: <the object as it is now>}`` with its ETag. (A comment, not
# a docstring: a viewset's docstring becomes its endpoints' description in the OpenAPI schema.)
class TableSteps(viewsets.GenericViewSet):
    step_request: type[serializers.Serializer]
    step_body: str

    def _step(self, request: Request, spec: workflow.Transition) -> Response:
        obj = self.get_object()
        form = self.step_request(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = _fire(obj, spec.action, request, data, due_date=data.get("due_date"))
        fresh = self.get_queryset().get(pk=obj.pk)
        body = {
            "already_done": result.already_done,
            self.step_body: self.get_serializer(fresh).data,
        }
        return versioning.with_etag(Response(body), fresh)


class _Steps(Protocol):
    def _step(self, request: Request, spec: workflow.Transition) -> Response: ...


def step_actions[V: type[Any]](
    kind: workflow.Kind, *, tag: str, request: Any, result: Any
) -> Callable[[V], V]:
    """A viewset's workflow steps, derived from the transition table: one POST action
    ``{id}/<step>/`` per row of ``kind`` (named by ``Transition.api_name``), each handing its
    row to the viewset's ``_step``, documented as taking ``request`` (with ``version`` or
    ``If-Match``) and answering ``result``, summarised by the row's ``doc``. A new row in the
    table is a new endpoint, with nothing to add here."""

    def decorate(cls: V) -> V:
        for spec in workflow.TABLE:
            if spec.kind == kind:
                schema = extend_schema(
                    tags=[tag],
                    summary=spec.doc,
                    request=request,
                    parameters=[versioning.IF_MATCH],
                    responses={200: result, **versioning.STALE_RESPONSES},
                )
                method = _step_action(spec)
                setattr(cls, method.__name__, schema(method))
        return cls

    return decorate


def _step_action(spec: workflow.Transition) -> Callable[..., Response]:
    def step(self: _Steps, request: Request, pk: str | None = None) -> Response:
        return self._step(request, spec)

    name = spec.api_name
    step.__name__ = step.__qualname__ = f"{name}_" if keyword.iskeyword(name) else name
    slug = name.replace("_", "-")
    return action(detail=True, methods=["post"], url_path=slug, url_name=slug)(step)


# ---------------------------------------------------------------- region submissions


class RegionSubmissionSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    level = serializers.CharField(source="region.level", read_only=True)
    period = PeriodRefSerializer(read_only=True)
    effective_due_date = serializers.DateField(
        read_only=True, help_text="Batas waktu khusus wilayah (pembukaan kembali) atau periode."
    )
    is_late = serializers.BooleanField(
        read_only=True,
        help_text="Diajukan (status submitted/accepted) pada tanggal (WIB) setelah batas waktu "
        "efektif; sama dengan timeliness == late (reporting.rules.windows).",
    )
    timeliness = serializers.ChoiceField(
        choices=windows.TIMELINESS,
        read_only=True,
        help_text="on_time (diajukan paling lambat pada batas waktu), late, atau missing "
        "(belum/tidak sedang diajukan: in_progress, returned).",
    )
    submitted_by = serializers.CharField(
        source="submitted_by.username", read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    actions = serializers.SerializerMethodField(
        help_text="Langkah yang boleh Anda lakukan sekarang (pemeriksaan isi belum dihitung)."
    )

    class Meta:
        model = RegionSubmission
        fields = [
            "id",
            "region",
            "region_name",
            "level",
            "period",
            "status",
            "version",
            "due_date",
            "effective_due_date",
            "is_late",
            "timeliness",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "return_reason",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, obj: RegionSubmission) -> list[str]:
        user = self.context["request"].user
        return [t.api_name for t in workflow.available_actions(obj, user)]


class RegionSubmissionFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Kode wilayah, mis. 33.10")
    province = filters.CharFilter(field_name="region__province_code", help_text="Kode provinsi")
    level = filters.ChoiceFilter(
        field_name="region__level",
        choices=[(v, label) for v, label in Level.choices if v != "national"],
    )
    year = filters.NumberFilter(field_name="period__year", min_value=2000, max_value=2100)
    quarter = filters.NumberFilter(field_name="period__quarter", min_value=1, max_value=4)
    period = filters.NumberFilter(field_name="period_id", min_value=1, max_value=2**31 - 1)
    status = filters.ChoiceFilter(choices=RegionSubmission.Status.choices)
    timeliness = filters.ChoiceFilter(
        choices=[(t, t) for t in windows.TIMELINESS],
        method="filter_timeliness",
        help_text="on_time, late atau missing: aturan yang sama dengan field timeliness.",
    )

    class Meta:
        model = RegionSubmission
        fields = ["region", "province", "level", "year", "quarter", "period", "status"]

    def filter_timeliness(
        self, qs: QuerySet[RegionSubmission], name: str, value: str
    ) -> QuerySet[RegionSubmission]:
        return qs.filter(windows.timeliness_q(value))


class SubmissionResultSerializer(serializers.Serializer):
    already_done = serializers.BooleanField()
    submission = RegionSubmissionSerializer()


class RecapSectorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RecapCellSerializer(serializers.Serializer):
    """A rolled-up capaian (`reporting.rules.capaian.rollup`): missing reports are counted, not zero."""

    sector = serializers.CharField(help_text="Kode bidang.")
    capaian = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Indeks atas semua jenis pelayanan yang wajib (tidak ada/belum lengkap/belum "
        "terverifikasi = 0); null bila tidak ada laporan terhitung.",
    )
    mean_reported = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Rata-rata indeks jenis pelayanan yang dihitung saja.",
    )
    reported = serializers.IntegerField(help_text="Jenis pelayanan yang dihitung.")
    missing = serializers.IntegerField(help_text="Jenis pelayanan tanpa laporan (bukan 0).")


class RecapRowSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="Kode wilayah.")
    region_name = serializers.CharField()
    level = serializers.CharField()
    is_own = serializers.BooleanField(help_text="Baris layanan provinsi sendiri (baris pertama).")
    submission = serializers.IntegerField(
        allow_null=True,
        help_text="Id laporan wilayah (region-submissions/), null bila belum dibuka.",
    )
    status = serializers.CharField(allow_blank=True, help_text="Kosong bila belum dibuka.")
    status_label = serializers.CharField()
    timeliness = serializers.ChoiceField(
        choices=["on_time", "late", "not_submitted", "overdue"],
        help_text="Ketepatan waktu: on_time, late, not_submitted (belum lewat batas), overdue.",
    )
    timeliness_label = serializers.CharField(help_text="Ketepatan waktu seperti di halaman.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(
        help_text="Batas waktu wilayah (pembukaan kembali) atau periode."
    )
    expected = serializers.IntegerField(help_text="Jenis pelayanan yang diharapkan.")
    reported = serializers.IntegerField(help_text="Laporan yang dihitung (lengkap, terverifikasi).")
    verified = serializers.IntegerField(help_text="Laporan yang terverifikasi.")
    missing = serializers.IntegerField(help_text="Jenis pelayanan tanpa laporan terhitung.")
    capaian = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Capaian wilayah: indeks atas semua jenis pelayanan yang wajib (yang tidak "
        "terhitung = 0); null bila tidak ada laporan terhitung.",
    )
    mean_reported = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Rata-rata indeks laporan yang dihitung saja.",
    )
    sectors = RecapCellSerializer(many=True)


class RecapSerializer(serializers.Serializer):
    """The province recap page (`reporting.recap.build`) as data."""

    submission = serializers.IntegerField()
    province = serializers.CharField(help_text="Kode provinsi.")
    province_name = serializers.CharField()
    period = PeriodRefSerializer()
    generated_at = serializers.DateTimeField()
    sectors = RecapSectorSerializer(many=True, help_text="Kolom bidang, dalam urutan halaman.")
    rows = RecapRowSerializer(
        many=True, help_text="Provinsi sendiri lebih dahulu, lalu kab/kota menurut kode."
    )


def _mean(cell: recap.Cell) -> Decimal | None:
    # Rounded as the page shows it (half up), before DRF's own quantize (half even) could differ.
    return None if cell.mean is None else round2(cell.mean)


def _mean_reported(cell: recap.Cell) -> Decimal | None:
    return None if cell.mean_reported is None else round2(cell.mean_reported)


def _cell(code: str, cell: recap.Cell) -> dict[str, Any]:
    return {
        "sector": code,
        "capaian": _mean(cell),
        "mean_reported": _mean_reported(cell),
        "reported": cell.present,
        "missing": cell.missing,
    }


def recap_data(submission: RegionSubmission, r: recap.Recap) -> dict[str, Any]:
    return {
        "submission": submission.pk,
        "province": r.province.code,
        "province_name": r.province.name,
        "period": r.period,
        "generated_at": r.generated_at,
        "sectors": [{"code": s.code, "name": s.name} for s in r.sectors],
        "rows": [
            {
                "region": row.region.code,
                "region_name": row.region.name,
                "level": row.region.level,
                "is_own": row.is_own,
                "submission": row.submission_id,
                "status": row.status,
                "status_label": row.status_label,
                "timeliness": row.timeliness_code,
                "timeliness_label": row.timeliness,
                "submitted_at": row.submitted_at,
                "due_date": row.due_date,
                "expected": row.expected,
                "reported": row.reported,
                "verified": row.verified,
                "missing": row.overall.missing,
                "capaian": _mean(row.overall),
                "mean_reported": _mean_reported(row.overall),
                "sectors": [_cell(code, cell) for code, cell in row.sectors.items()],
            }
            for row in r.rows
        ],
    }


@step_actions(
    workflow.Kind.SUBMISSION,
    tag="region-submissions",
    request=SubmissionTransitionSerializer,
    result=SubmissionResultSerializer,
)
@extend_schema_view(
    list=extend_schema(
        tags=["region-submissions"], summary="Pengajuan laporan wilayah yang boleh saya lihat"
    ),
    retrieve=extend_schema(
        tags=["region-submissions"], summary="Satu pengajuan laporan wilayah (ETag = versi)"
    ),
)
class RegionSubmissionViewSet(TableSteps, viewsets.ReadOnlyModelViewSet):
    """A region's quarterly report as a whole and the steps up the chain, as on the review pages."""

    serializer_class = RegionSubmissionSerializer
    step_request = SubmissionTransitionSerializer
    step_body = "submission"
    pagination_class = Pagination
    filterset_class = RegionSubmissionFilter
    lookup_value_regex = r"[^/]+"
    queryset = RegionSubmission.objects.none()

    def get_queryset(self) -> QuerySet[RegionSubmission]:
        return (
            RegionSubmission.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("region", "period", "submitted_by", "decided_by")
            .order_by("period__year", "period__quarter", "region__code", "id")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = self.get_object()
        return versioning.with_etag(Response(self.get_serializer(submission).data), submission)

    @_timeline_schema("region-submissions", "laporan wilayah")
    @action(**TIMELINE_ACTION)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """`review_selectors.timeline`, the events the submission page lists, oldest first."""
        submission = self.get_object()
        events = review_selectors.timeline(submission)
        return Response(TimelineEventSerializer(events, many=True).data)

    @extend_schema(
        tags=["region-submissions"],
        summary="Rekap provinsi (laporan wilayah provinsi): status, ketepatan waktu dan capaian "
        "per bidang provinsi dan tiap kab/kota; Biro provinsi dan Bangda",
        request=None,
        responses={200: RecapSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def recap(self, request: Request, pk: str | None = None) -> Response:
        """The recap page's data and rule (`recap.of_submission`): a kab/kota submission or a
        reader who does not see the whole province is 404, as on the page."""
        submission = self.get_object()
        data = recap_data(submission, recap.of_submission(request.user, submission))
        return Response(RecapSerializer(data).data)


# ---------------------------------------------------------------- notifications


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at",
        lookup_expr="isnull",
        help_text="true: hanya yang belum dibaca; false: hanya yang sudah dibaca.",
    )

    class Meta:
        model = Notification
        fields = ["unread"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="Notifikasi Anda yang ditandai dibaca; tanpa ids: semuanya. "
        "Id milik pengguna lain tidak ditandai.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Jumlah yang baru ditandai dibaca.")
    unread = serializers.IntegerField(help_text="Sisa yang belum dibaca.")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(tags=["notifications"], summary="Notifikasi saya, terbaru dahulu"),
    retrieve=extend_schema(tags=["notifications"], summary="Satu notifikasi saya"),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The bell of the pages: only the caller's own notifications (another's id is 404)."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination
    filterset_class = NotificationFilter
    lookup_value_regex = r"[^/]+"
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(user=self.request.user).order_by(  # type: ignore[misc]
            "-created_at", "-id"
        )

    @extend_schema(
        tags=["notifications"],
        summary="Tandai notifikasi saya dibaca (ids tertentu, atau semua)",
        request=MarkReadSerializer,
        responses={200: MarkReadResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="mark-read",
        url_name="mark-read",
        pagination_class=None,
        filterset_class=None,
    )
    def mark_read(self, request: Request) -> Response:
        """`notifications.mark_read`: only the caller's own unread ones; others' ids mark nothing."""
        form = MarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        marked = notifications.mark_read(request.user, form.validated_data.get("ids"))
        return Response({"marked": marked, "unread": notifications.unread_count(request.user)})

    @extend_schema(
        tags=["notifications"],
        summary="Jumlah notifikasi saya yang belum dibaca (angka lonceng)",
        responses={200: UnreadCountSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        url_name="unread-count",
        pagination_class=None,
        filterset_class=None,
    )
    def unread_count(self, request: Request) -> Response:
        """The bell's number (`notifications.unread_count`)."""
        return Response({"unread": notifications.unread_count(request.user)})
