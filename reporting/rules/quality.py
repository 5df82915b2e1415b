"""Data-quality checks: the safe rule language, the facts a rule sees, outliers, messages.

A validation rule (``reporting.models.ValidationRule``, managed by Bangda) is a boolean
**flag-when** expression over the facts of one report (or of each of its quality items,
budget lines or stages). It is evaluated by `simpleeval` after the expression's syntax tree
has been checked against a short whitelist here: no attribute access, no subscripts, no
comprehensions or lambdas, only the functions in ``FUNCTIONS``, bounded length and size.
A rule is **not applicable** (stays silent) when any value it uses is empty: a report that
has no previous quarter cannot have "gone down".

Outlier rules are not expressions but a robust z-score (Iglewicz & Hoaglin's modified z,
0,6745·(x − median)/MAD) of the report's value against the region's own last quarters or
against comparable regions in the same quarter. They only ever warn.

This module is pure (no database): ``reporting.quality.services`` gathers the facts and
stores the flags.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django.utils.translation import gettext_lazy as _
from simpleeval import EvalWithCompoundTypes, FeatureNotAvailable, InvalidExpression

from reporting.rules import breakdown as breakdown_rules

MAX_EXPRESSION_LENGTH = 500
MAX_NODES = 120
MAX_NUMBER = Decimal(10) ** 18

WARNING = "warning"
ERROR = "error"

# What a rule is evaluated over.
EACH_REPORT = "report"
EACH_QUALITY = "quality"
EACH_BUDGET = "budget"
EACH_STAGE = "stage"

# Outlier kinds (not expressions).
KIND_EXPRESSION = "expression"
KIND_HISTORY = "outlier_history"
KIND_PEERS = "outlier_peers"

# The names a rule may use, with what they mean (shown in the rule editor and docs).
REPORT_NAMES: dict[str, Any] = {
    "served": _("jumlah penerima terlayani (kumulatif sejak 1 Januari)"),
    "target": _("target penerima tahun ini"),
    "prev_served": _("penerima terlayani triwulan sebelumnya (tahun yang sama)"),
    "breakdown_total": _(
        "jumlah rincian penerima (rincian katalog: dimensi lengkap pertama yang berbeda dari "
        "penerima terlayani, atau yang pertama bila semua sama)"
    ),
    "breakdown_groups": _("banyaknya kelompok rincian penerima yang terisi"),
    "quarter": _("triwulan (1–4)"),
    "year": _("tahun"),
    "budget_allocated": _("total pagu anggaran (Rp)"),
    "budget_realised": _("total realisasi anggaran (Rp)"),
    "stages_done": _("banyaknya tahapan berstatus selesai"),
    "stages_done_without_document": _("tahapan selesai tanpa dokumen"),
    "quality_items": _("banyaknya butir mutu"),
}
EACH_NAMES: dict[str, dict[str, Any]] = {
    EACH_REPORT: {},
    EACH_QUALITY: {
        "item_required": _("jumlah minimal butir mutu"),
        "item_realised": _("realisasi butir mutu"),
        "item_per_recipient": _("butir mutu diberikan per penerima (ya/tidak)"),
        "item_has_quantity": _("butir mutu memiliki jumlah (ya/tidak)"),
    },
    EACH_BUDGET: {
        "line_allocated": _("pagu baris anggaran (Rp)"),
        "line_realised": _("realisasi baris anggaran (Rp)"),
    },
    EACH_STAGE: {
        "stage_number": _("nomor tahapan (1–4)"),
        "stage_done": _("tahapan berstatus selesai (ya/tidak)"),
        "stage_documents": _("banyaknya dokumen tahapan"),
    },
}
# Text values a message may show but an expression may not use.
LABEL_NAMES = (
    "item_name",
    "line_name",
    "stage_name",
    "value",
    "median",
    "score",
    "peers",
    "breakdown_dimension",
)
TEXT_NAMES = frozenset({"item_name", "line_name", "stage_name", "breakdown_dimension"})


def _pct(part: Any, whole: Any) -> Decimal | None:
    if whole in (None, 0):
        return None
    return Decimal(part) * 100 / Decimal(whole)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "pct": _pct,
}

_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.IfExp,
)


class RuleSyntaxError(ValueError):
    """An expression the rule language refuses; the message is for Bangda (Indonesian)."""


@dataclass(frozen=True)
class Compiled:
    source: str
    tree: ast.Expression
    names: frozenset[str]


def compile_expression(source: str, each: str = EACH_REPORT) -> Compiled:
    """Parse and check an expression; raise ``RuleSyntaxError`` with a plain message."""
    source = (source or "").strip()
    if not source:
        raise RuleSyntaxError(_("Ekspresi aturan wajib diisi."))
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise RuleSyntaxError(
            _("Ekspresi terlalu panjang (maksimal %(n)d karakter).") % {"n": MAX_EXPRESSION_LENGTH}
        )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(
            _("Ekspresi tidak dapat dibaca (kolom %(col)s).") % {"col": exc.offset or "?"}
        ) from exc
    allowed = set(REPORT_NAMES) | set(EACH_NAMES.get(each, {}))
    names: set[str] = set()
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise RuleSyntaxError(_("Ekspresi terlalu rumit."))
        if isinstance(node, ast.Attribute):
            raise RuleSyntaxError(_("Akses atribut (tanda titik) tidak diizinkan."))
        if not isinstance(node, _ALLOWED_NODES):
            raise RuleSyntaxError(
                _("Bagian ekspresi ini tidak diizinkan: %(what)s.") % {"what": type(node).__name__}
            )
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise RuleSyntaxError(
                    _("Fungsi yang diizinkan hanya: %(fns)s.") % {"fns": ", ".join(FUNCTIONS)}
                )
            if node.keywords:
                raise RuleSyntaxError(_("Argumen bernama tidak diizinkan."))
        elif isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            if node.id in ("True", "False", "None"):
                continue
            if node.id not in allowed:
                raise RuleSyntaxError(
                    _("Nama tidak dikenal: %(name)s. Nama yang tersedia: %(names)s.")
                    % {"name": node.id, "names": ", ".join(sorted(allowed))}
                )
            names.add(node.id)
        elif isinstance(node, ast.Constant) and not isinstance(
            node.value, (int, float, bool, type(None))
        ):
            raise RuleSyntaxError(_("Hanya angka dan ya/tidak (True/False) yang diizinkan."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            if abs(node.value) > MAX_NUMBER:
                raise RuleSyntaxError(_("Angka terlalu besar."))
    return Compiled(source, tree, frozenset(names))


class NotApplicable(Exception):
    """A value the rule uses is empty (or the arithmetic has no answer): the rule is silent."""


def evaluate(compiled: Compiled, facts: Mapping[str, Any]) -> bool:
    """True when the rule flags these facts; ``NotApplicable`` when it cannot say."""
    if any(facts.get(n) is None for n in compiled.names):
        raise NotApplicable
    evaluator = EvalWithCompoundTypes(
        names={n: _number(facts[n]) for n in compiled.names},
        functions=dict(FUNCTIONS),  # simpleeval adds list/tuple/dict/set to the dict it gets
    )
    try:
        result = evaluator.eval(compiled.source, previously_parsed=compiled.tree.body)
    except (ZeroDivisionError, TypeError, ArithmeticError) as exc:
        raise NotApplicable from exc
    except (FeatureNotAvailable, InvalidExpression) as exc:
        raise RuleSyntaxError(str(exc)) from exc
    if isinstance(result, bool):
        return result
    try:
        too_big = isinstance(result, (int, float, Decimal)) and abs(Decimal(result)) > MAX_NUMBER
    except ArithmeticError as exc:  # NaN, infinity
        raise NotApplicable from exc
    if too_big:
        raise NotApplicable
    return bool(result)


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


# ---------------------------------------------------------------- facts of one report


@dataclass
class QualityFact:
    code: str
    name: str
    required: Decimal | None
    realised: Decimal | None
    per_recipient: bool
    has_quantity: bool


@dataclass
class BudgetFact:
    key: str
    name: str
    allocated: int
    realised: int


@dataclass
class StageFact:
    number: int
    name: str
    done: bool
    documents: int


@dataclass
class ReportFacts:
    """Everything a rule may look at, as plain values (built by the quality services)."""

    served: int | None
    target: int | None
    prev_served: int | None
    breakdown: Mapping[str, Any]
    quarter: int
    year: int
    quality: list[QualityFact] = field(default_factory=list)
    budget: list[BudgetFact] = field(default_factory=list)
    stages: list[StageFact] = field(default_factory=list)
    # For outliers: the region's own values of earlier quarters (oldest first) and peers'.
    history: list[Decimal] = field(default_factory=list)
    peers: list[Decimal] = field(default_factory=list)
    # The catalog's breakdown dimensions of the service type (empty: free-text breakdown).
    dimensions: Sequence[breakdown_rules.Dimension] = ()

    def breakdown_names(self) -> tuple[int | None, int | None, str | None]:
        """(breakdown_total, breakdown_groups, breakdown_dimension) of the stored breakdown.

        Structured: each summing dimension whose groups are all filled is a total; the one
        shown is the first that differs from served (else the first), so a rule comparing
        ``breakdown_total`` with ``served`` sees any dimension that does not add up.
        """
        if not self.breakdown:
            return None, None, None
        if breakdown_rules.is_structured(self.breakdown):
            rows = breakdown_rules.rows(self.breakdown, self.dimensions)
            filled = sum(r.filled for r in rows) or None
            complete = [r for r in rows if r.sums_to_total and r.complete]
            wrong = [r for r in complete if r.total != self.served]
            if not complete:
                return None, filled, None
            chosen = (wrong or complete)[0]
            return chosen.total, filled, chosen.label
        try:
            total = sum(int(v) for v in self.breakdown.values())
        except (TypeError, ValueError):
            total = None
        return total, len(self.breakdown), str(_("kelompok"))

    def report_names(self) -> dict[str, Any]:
        total, groups, dimension = self.breakdown_names()
        done = [s for s in self.stages if s.done]
        return {
            "served": self.served,
            "target": self.target,
            "prev_served": self.prev_served,
            "breakdown_total": total,
            "breakdown_groups": groups,
            "breakdown_dimension": dimension,
            "quarter": self.quarter,
            "year": self.year,
            "budget_allocated": sum(b.allocated for b in self.budget) if self.budget else None,
            "budget_realised": sum(b.realised for b in self.budget) if self.budget else None,
            "stages_done": len(done),
            "stages_done_without_document": len([s for s in done if not s.documents]),
            "quality_items": len(self.quality),
        }


@dataclass(frozen=True)
class Subject:
    """One thing a rule looks at: the report itself, or one of its items."""

    key: str  # "" for the report, else e.g. "B2", "line:17", "stage:3"
    names: dict[str, Any]


def subjects(each: str, facts: ReportFacts) -> Iterable[Subject]:
    base = facts.report_names()
    if each == EACH_REPORT:
        yield Subject("", base)
    elif each == EACH_QUALITY:
        for q in facts.quality:
            yield Subject(
                q.code,
                base
                | {
                    "item_required": q.required,
                    "item_realised": q.realised,
                    "item_per_recipient": q.per_recipient,
                    "item_has_quantity": q.has_quantity,
                    "item_name": f"{q.code} {q.name}",
                },
            )
    elif each == EACH_BUDGET:
        for b in facts.budget:
            yield Subject(
                b.key,
                base
                | {
                    "line_allocated": b.allocated,
                    "line_realised": b.realised,
                    "line_name": b.name,
                },
            )
    elif each == EACH_STAGE:
        for s in facts.stages:
            yield Subject(
                f"stage:{s.number}",
                base
                | {
                    "stage_number": s.number,
                    "stage_done": s.done,
                    "stage_documents": s.documents,
                    "stage_name": s.name,
                },
            )


# ---------------------------------------------------------------- outliers


def robust_z(value: Decimal, sample: Sequence[Decimal]) -> Decimal | None:
    """Modified z-score of `value` against `sample` (None when the spread is 0)."""
    if not sample:
        return None
    med = Decimal(median(sample))
    mad = Decimal(median([abs(x - med) for x in sample]))
    if mad == 0:
        return None
    return (Decimal("0.6745") * (value - med) / mad).quantize(Decimal("0.01"))


def annual_pace(served: int | None, quarter: int) -> Decimal | None:
    """Served so far scaled to a whole year (served is cumulative since 1 January)."""
    if served is None:
        return None
    return (Decimal(served) * 4 / quarter).quantize(Decimal("0.01"))


def served_pct(served: int | None, target: int | None) -> Decimal | None:
    if served is None or not target:
        return None
    return (Decimal(served) * 100 / Decimal(target)).quantize(Decimal("0.01"))


def outlier(
    kind: str, facts: ReportFacts, threshold: Decimal, min_points: int
) -> dict[str, Any] | None:
    """The numbers of an outlier flag, or None when the value is not (or cannot be) judged."""
    if kind == KIND_HISTORY:
        value = annual_pace(facts.served, facts.quarter)
        sample = facts.history
    else:
        value = served_pct(facts.served, facts.target)
        sample = facts.peers
    if value is None or len(sample) < min_points:
        return None
    score = robust_z(value, sample)
    if score is None or abs(score) <= threshold:
        return None
    return {
        "served": facts.served,
        "target": facts.target,
        "value": value,
        "median": Decimal(median(sample)).quantize(Decimal("0.01")),
        "score": score,
        "peers": len(sample),
    }


# ---------------------------------------------------------------- messages


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def shown(value: Any) -> str:
    """A value as an Indonesian form shows it: 210.067, 76,42, ya/tidak, — for empty."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("ya") if value else _("tidak"))
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, (Decimal, float)):
        number = Decimal(str(value)).quantize(Decimal("0.01"))
        whole, _sep, frac = f"{abs(number):f}".partition(".")
        text = f"{int(whole):,}".replace(",", ".")
        frac = frac.rstrip("0")
        sign = "-" if number < 0 else ""
        return f"{sign}{text},{frac}" if frac else f"{sign}{text}"
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders with Indonesian-formatted values (nothing else is read)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return shown(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(one, template)


def message_names(compiled: Compiled | None, names: Mapping[str, Any]) -> dict[str, Any]:
    """The values a flag keeps: those its expression used, plus the subject's labels."""
    keep = set(compiled.names) if compiled else set()
    keep |= {n for n in LABEL_NAMES if n in names and n != "breakdown_dimension"}
    if "breakdown_total" in keep and names.get("breakdown_dimension"):
        keep.add("breakdown_dimension")  # which dimension that total is
    keep |= {"served", "target"}
    return {k: _jsonable(names.get(k)) for k in sorted(keep) if k in names}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else str(value)
    return value


def restore(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored flag values back to numbers for display (decimals were kept as strings)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, str) and k not in TEXT_NAMES:
            try:
                out[k] = Decimal(v) if "." in v else int(v)
                continue
            except (ArithmeticError, ValueError):
                pass
        out[k] = v
    return out


# ---------------------------------------------------------------- built-in rules


@dataclass(frozen=True)
class BuiltIn:
    code: str
    severity: str
    each: str
    section: str
    expression: str
    message_id: str
    message_en: str
    reason: str
    kind: str = KIND_EXPRESSION
    threshold: Decimal | None = None
    min_points: int | None = None


RINCIAN_MESSAGE_ID = (
    "Jumlah rincian penerima menurut {breakdown_dimension} ({breakdown_total}) tidak sama "
    "dengan penerima terlayani ({served})."
)
RINCIAN_MESSAGE_EN = (
    "The recipient breakdown by {breakdown_dimension} adds up to {breakdown_total}, not to the "
    "recipients served ({served})."
)
# Built-in texts replaced since: a rule still holding one of these (never edited by Bangda)
# gets the current text (``reporting.quality.services.ensure_builtin_rules``).
SUPERSEDED_MESSAGES: dict[str, tuple[str, str]] = {
    "RINCIAN-JUMLAH": (
        "Jumlah rincian penerima ({breakdown_total}) tidak sama dengan penerima terlayani "
        "({served}).",
        "The recipient breakdown adds up to {breakdown_total}, not to the recipients served "
        "({served}).",
    ),
}

BUILT_IN: tuple[BuiltIn, ...] = (
    BuiltIn(
        "CUM-TURUN", WARNING, EACH_REPORT, "recipients", "served < prev_served",
        "Penerima terlayani kumulatif turun dari {prev_served} (triwulan sebelumnya) menjadi "
        "{served}. Angka kumulatif sejak 1 Januari tidak dapat berkurang; periksa kembali atau "
        "jelaskan (misalnya koreksi data triwulan lalu).",
        "Cumulative recipients served went down from {prev_served} (previous quarter) to "
        "{served}. A cumulative figure since 1 January cannot decrease; check it or explain "
        "(for example a correction of last quarter's data).",
        "Penerima terlayani dihitung kumulatif sejak 1 Januari (SPM.md §5), sehingga nilai "
        "triwulan berikutnya tidak boleh lebih kecil.",
    ),
    BuiltIn(
        "RINCIAN-JUMLAH", WARNING, EACH_REPORT, "recipients", "breakdown_total != served",
        RINCIAN_MESSAGE_ID,
        RINCIAN_MESSAGE_EN,
        "Rincian penerima membagi jumlah penerima terlayani: bila semua kelompok suatu dimensi "
        "(mis. jenis kelamin) terisi, jumlahnya harus sama. Rincian yang baru sebagian terisi "
        "tidak diperiksa.",
    ),
    BuiltIn(
        "MELEBIHI-TARGET", WARNING, EACH_REPORT, "recipients", "served > target",
        "Penerima terlayani ({served}) melebihi target tahun ini ({target}). Periksa angka "
        "atau jelaskan (misalnya target perlu direvisi).",
        "Recipients served ({served}) exceed this year's target ({target}). Check the figure "
        "or explain (for example the target needs revising).",
        "Capaian di atas target biasanya berarti salah ketik atau target yang terlalu rendah; "
        "verifikator perlu tahu yang mana.",
    ),
    BuiltIn(
        "ANGGARAN-LEBIH", ERROR, EACH_BUDGET, "budget", "line_realised > line_allocated",
        "Realisasi anggaran {line_name} (Rp {line_realised}) melebihi pagunya "
        "(Rp {line_allocated}).",
        "Budget realisation of {line_name} (Rp {line_realised}) exceeds its allocation "
        "(Rp {line_allocated}).",
        "Realisasi APBD tidak dapat melampaui pagu yang dialokasikan.",
    ),
    BuiltIn(
        "TAHAP-TANPA-DOKUMEN", WARNING, EACH_STAGE, "stages",
        "stage_done and stage_documents == 0",
        "Tahap {stage_name} ditandai selesai tetapi belum ada dokumen pendukungnya.",
        "Stage {stage_name} is marked done but has no supporting document.",
        "Tahapan penerapan SPM yang selesai dibuktikan dengan dokumen (Permendagri 59/2021).",
    ),
    BuiltIn(
        "MUTU-LEBIH-PENERIMA", WARNING, EACH_QUALITY, "quality",
        "item_per_recipient and item_realised > served",
        "Realisasi {item_name} ({item_realised}) melebihi jumlah penerima terlayani "
        "({served}), padahal butir ini diberikan per penerima.",
        "Realised {item_name} ({item_realised}) exceeds the recipients served ({served}), "
        "although this item is given per recipient.",
        "Butir mutu yang diberikan per penerima tidak dapat lebih banyak dari penerimanya.",
    ),
    BuiltIn(
        "PENCILAN-RIWAYAT", WARNING, EACH_REPORT, "recipients", "",
        "Laju penerima terlayani disetahunkan ({value}) jauh dari riwayat wilayah ini "
        "(median {median} dari {peers} triwulan; skor z robust {score}).",
        "The annualised pace of recipients served ({value}) is far from this region's history "
        "(median {median} over {peers} quarters; robust z-score {score}).",
        "Nilai yang jauh dari riwayat wilayah sendiri sering berarti salah ketik (digit lebih "
        "atau kurang). Skor z robust = 0,6745 × (nilai − median) / MAD atas 8 triwulan "
        "terakhir; laju = penerima terlayani × 4 / triwulan.",
        kind=KIND_HISTORY, threshold=Decimal("3.5"), min_points=4,
    ),
    BuiltIn(
        "PENCILAN-SEBANDING", WARNING, EACH_REPORT, "recipients", "",
        "Persentase penerima terlayani terhadap target ({value}%) jauh dari wilayah "
        "sebanding triwulan ini (median {median}% dari {peers} wilayah; skor z robust {score}).",
        "Recipients served as a share of target ({value}%) is far from comparable regions this "
        "quarter (median {median}% over {peers} regions; robust z-score {score}).",
        "Wilayah setingkat (provinsi, atau kabupaten/kota) pada triwulan dan jenis layanan yang "
        "sama menjadi pembanding; skor z robust = 0,6745 × (nilai − median) / MAD.",
        kind=KIND_PEERS, threshold=Decimal("3.5"), min_points=8,
    ),
)  # fmt: skip
