# ruff: noqa: S608 — trigger SQL is built from constant fragments and the names NEW/OLD; no value is interpolated
"""The triggers that keep ``RegionFigure`` and ``ServiceFigure``, for PostgreSQL and SQLite.

Row-level ``AFTER`` triggers on ``reporting_report``: a report that is entered or has an index
adds itself to its two figure rows (an upsert), a deleted or changed report takes its old
contribution away first, and a row left with nothing in it is deleted. An update that changes
none of the columns a figure reads (a note, the recipients served without a new index, the
version) fires nothing, so most saves never touch a figure row, and opening a period (reports
neither entered nor indexed) adds nothing.

Both engines run the same statements (``_apply``); PostgreSQL wraps them in a PL/pgSQL function.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

# A change of any of these can move a report's contribution.
WATCHED = (
    "period_id",
    "region_id",
    "service_type_id",
    "status",
    "band",
    "capaian_index",
)
CONTRIBUTES = "({row}.entered_at IS NOT NULL OR {row}.capaian_index IS NOT NULL)"


def _changed(distinct: str) -> str:
    return " OR ".join(
        ["(OLD.entered_at IS NULL) <> (NEW.entered_at IS NULL)"]
        + [f"OLD.{c} {distinct} NEW.{c}" for c in WATCHED]
    )


def _apply(row: str, sign: int) -> list[str]:
    """Add (``sign`` 1) or take away (-1) the contribution of ``row`` (NEW or OLD).

    Every ``INSERT … SELECT … ON CONFLICT`` has a ``WHERE``: SQLite's parser needs one there.
    """
    entered = f"CASE WHEN {row}.entered_at IS NOT NULL THEN {sign} ELSE 0 END"
    counted = f"CASE WHEN {row}.capaian_index IS NOT NULL THEN {sign} ELSE 0 END"
    total = f"COALESCE({row}.capaian_index, 0) * {sign}"
    region_key = (
        f"period_id = {row}.period_id AND region_id = {row}.region_id AND status = {row}.status "
        f"AND sector_id = (SELECT sector_id FROM indicators_servicetype "
        f"WHERE id = {row}.service_type_id)"
    )
    return [
        "INSERT INTO reporting_regionfigure "
        "(period_id, region_id, sector_id, status, entered, counted, total) "
        f"SELECT {row}.period_id, {row}.region_id, st.sector_id, {row}.status, "
        f"{entered}, {counted}, {total} "
        f"FROM indicators_servicetype st WHERE st.id = {row}.service_type_id "
        "ON CONFLICT (period_id, region_id, sector_id, status) DO UPDATE SET "
        "entered = reporting_regionfigure.entered + excluded.entered, "
        "counted = reporting_regionfigure.counted + excluded.counted, "
        "total = reporting_regionfigure.total + excluded.total",
        f"DELETE FROM reporting_regionfigure WHERE {region_key} AND entered = 0 AND counted = 0",
        *_service(row, sign, "r.province_code", f"regions_region r WHERE r.id = {row}.region_id"),
        # The whole nation's row (province ''): what the national dashboard reads.
        *_service(
            row, sign, "''", f"indicators_servicetype st WHERE st.id = {row}.service_type_id"
        ),
    ]


def _service(row: str, sign: int, province: str, source: str) -> list[str]:
    """The service row of ``row`` for one province (an expression over ``source``)."""
    key = (
        f"period_id = {row}.period_id AND service_type_id = {row}.service_type_id "
        f"AND status = {row}.status AND band = {row}.band AND province_code = "
        f"(SELECT {province} FROM {source})"
    )
    return [
        "INSERT INTO reporting_servicefigure "
        "(period_id, province_code, service_type_id, status, band, counted, total) "
        f"SELECT {row}.period_id, {province}, {row}.service_type_id, {row}.status, "
        f"{row}.band, {sign}, {row}.capaian_index * {sign} "
        f"FROM {source} AND {row}.capaian_index IS NOT NULL "
        "ON CONFLICT (period_id, province_code, service_type_id, status, band) DO UPDATE SET "
        "counted = reporting_servicefigure.counted + excluded.counted, "
        "total = reporting_servicefigure.total + excluded.total",
        f"DELETE FROM reporting_servicefigure WHERE {key} AND counted = 0",
    ]


def _body(op: str) -> list[str]:
    out: list[str] = []
    if op in ("upd", "del"):
        out += _apply("OLD", -1)
    if op in ("upd", "ins"):
        out += _apply("NEW", 1)
    return out


def _when(op: str, distinct: str) -> str:
    if op == "ins":
        return CONTRIBUTES.format(row="NEW")
    if op == "del":
        return CONTRIBUTES.format(row="OLD")
    return f"({CONTRIBUTES.format(row='OLD')} OR {CONTRIBUTES.format(row='NEW')}) AND ({_changed(distinct)})"


EVENTS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}
# Each trigger and (on PostgreSQL) its function share the name.
TRIGGERS = tuple(f"reporting_figures_{op}" for op in EVENTS)


def postgresql() -> list[str]:
    out = []
    for op, event in EVENTS.items():
        body = ";\n  ".join(_body(op))
        out.append(
            f"CREATE OR REPLACE FUNCTION reporting_figures_{op}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$\nBEGIN\n  {body};\n  RETURN NULL;\nEND\n$$"
        )
        out.append(f"DROP TRIGGER IF EXISTS reporting_figures_{op} ON reporting_report")
        out.append(
            f"CREATE TRIGGER reporting_figures_{op} AFTER {event} ON reporting_report "
            f"FOR EACH ROW WHEN ({_when(op, 'IS DISTINCT FROM')}) EXECUTE FUNCTION reporting_figures_{op}()"
        )
    return out


def sqlite() -> list[str]:
    out = []
    for op, event in EVENTS.items():
        body = ";\n  ".join(_body(op))
        out.append(f"DROP TRIGGER IF EXISTS reporting_figures_{op}")
        out.append(
            f"CREATE TRIGGER reporting_figures_{op} AFTER {event} ON reporting_report "
            f"FOR EACH ROW WHEN {_when(op, 'IS NOT')}\nBEGIN\n  {body};\nEND"
        )
    return out


def statements(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "postgresql":
        return postgresql()
    if connection.vendor == "sqlite":
        return sqlite()
    raise NotImplementedError(
        f"maintained figures need PostgreSQL or SQLite, not {connection.vendor}"
    )


def drop_statements(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON reporting_report" for name in TRIGGERS] + [
            f"DROP FUNCTION IF EXISTS {name}()" for name in TRIGGERS
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in drop_statements(connection):
            cursor.execute(sql)
