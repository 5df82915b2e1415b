# ruff: noqa: S608 — trigger SQL is built from constant fragments and the names NEW/OLD; no value is interpolated
"""The triggers that keep ``RegionFigure`` and ``ServiceFigure``, for PostgreSQL and SQLite.

Row-level ``AFTER`` triggers on ``reporting_report``: a report that is entered, has an index or
has budget lines adds itself to its figure rows (an upsert), a deleted or changed report takes
its old contribution away first, and a row left with nothing in it is deleted. An update that
changes none of the columns a figure reads (a note, the recipients served without a new index,
the version) fires nothing, so most saves never touch a figure row, and opening a period
(reports neither entered nor indexed) adds nothing.

A budget line's own triggers (on ``reporting_budgetline``) add or take away its Rupiah in its
report's ``budget_*`` columns; that update of the report moves the report's figures like any
other. Kept on the report row, the sums follow its status under the row's lock: a line saved
while a verifier changes the report's status waits for that step and lands under the new status.

Every change is a difference added to a row, never a value computed and written back, so two
transactions writing the same figure row cannot overwrite each other's part.

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
    "budget_allocated",
    "budget_realised",
    "budget_line_count",
)
CONTRIBUTES = "({row}.entered_at IS NOT NULL OR {row}.capaian_index IS NOT NULL OR {row}.budget_line_count > 0)"


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
    budgeted = f"CASE WHEN {row}.budget_line_count > 0 THEN {sign} ELSE 0 END"
    region_key = (
        f"period_id = {row}.period_id AND region_id = {row}.region_id AND status = {row}.status "
        f"AND sector_id = (SELECT sector_id FROM indicators_servicetype "
        f"WHERE id = {row}.service_type_id)"
    )
    return [
        "INSERT INTO reporting_regionfigure (period_id, region_id, sector_id, status, "
        "entered, counted, total, allocated, realised, budgeted) "
        f"SELECT {row}.period_id, {row}.region_id, st.sector_id, {row}.status, "
        f"{entered}, {counted}, {total}, {row}.budget_allocated * {sign}, "
        f"{row}.budget_realised * {sign}, {budgeted} "
        f"FROM indicators_servicetype st WHERE st.id = {row}.service_type_id "
        "ON CONFLICT (period_id, region_id, sector_id, status) DO UPDATE SET "
        "entered = reporting_regionfigure.entered + excluded.entered, "
        "counted = reporting_regionfigure.counted + excluded.counted, "
        "total = reporting_regionfigure.total + excluded.total, "
        "allocated = reporting_regionfigure.allocated + excluded.allocated, "
        "realised = reporting_regionfigure.realised + excluded.realised, "
        "budgeted = reporting_regionfigure.budgeted + excluded.budgeted",
        f"DELETE FROM reporting_regionfigure WHERE {region_key} "
        "AND entered = 0 AND counted = 0 AND budgeted = 0",
        # Its province's row, unless the region has no province (an ended one, code ''): that
        # key is the nation's row below, which would count the report twice.
        *_service(
            row,
            sign,
            "r.province_code",
            f"regions_region r WHERE r.id = {row}.region_id AND r.province_code <> ''",
        ),
        # The whole nation's row (province ''): what the national dashboard reads.
        *_service(
            row, sign, "''", f"indicators_servicetype st WHERE st.id = {row}.service_type_id"
        ),
    ]


def _service(row: str, sign: int, province: str, source: str) -> list[str]:
    """The service row of ``row`` for one province (an expression over ``source``).

    A ``source`` that selects nothing adds nothing, and its key (NULL) deletes nothing."""
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


def _line(row: str, sign: int) -> str:
    """Add (``sign`` 1) or take away (-1) a budget line's Rupiah on its report."""
    op = "+" if sign > 0 else "-"
    return (
        "UPDATE reporting_report SET "
        f"budget_allocated = budget_allocated {op} {row}.allocated, "
        f"budget_realised = budget_realised {op} {row}.realised, "
        f"budget_line_count = budget_line_count {op} 1 WHERE id = {row}.report_id"
    )


def _line_body(op: str) -> list[str]:
    out: list[str] = []
    if op in ("upd", "del"):
        out.append(_line("OLD", -1))
    if op in ("upd", "ins"):
        out.append(_line("NEW", 1))
    return out


def _line_when(op: str, distinct: str) -> str:
    if op != "upd":
        return "TRUE"
    return " OR ".join(
        f"OLD.{c} {distinct} NEW.{c}" for c in ("report_id", "allocated", "realised")
    )


EVENTS = {"ins": "INSERT", "upd": "UPDATE", "del": "DELETE"}
# (table, trigger name prefix, body, WHEN clause). Each trigger and (on PostgreSQL) its
# function share the name.
TABLES = (
    ("reporting_report", "reporting_figures", _body, _when),
    ("reporting_budgetline", "reporting_budget", _line_body, _line_when),
)
TRIGGERS = tuple((table, f"{prefix}_{op}") for table, prefix, _b, _w in TABLES for op in EVENTS)


def postgresql() -> list[str]:
    out = []
    for table, prefix, body_of, when_of in TABLES:
        for op, event in EVENTS.items():
            name = f"{prefix}_{op}"
            body = ";\n  ".join(body_of(op))
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$\nBEGIN\n  {body};\n  RETURN NULL;\nEND\n$$"
            )
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW WHEN ({when_of(op, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {name}()"
            )
    return out


def sqlite() -> list[str]:
    out = []
    for table, prefix, body_of, when_of in TABLES:
        for op, event in EVENTS.items():
            name = f"{prefix}_{op}"
            body = ";\n  ".join(body_of(op))
            out.append(f"DROP TRIGGER IF EXISTS {name}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW WHEN {when_of(op, 'IS NOT')}\nBEGIN\n  {body};\nEND"
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
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name in TRIGGERS] + [
            f"DROP FUNCTION IF EXISTS {name}()" for _table, name in TRIGGERS
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for _table, name in TRIGGERS]


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in drop_statements(connection):
            cursor.execute(sql)
