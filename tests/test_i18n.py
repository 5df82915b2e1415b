"""The English catalogue is complete and the main pages really switch to English.

Indonesian is the source language; `locale/en/LC_MESSAGES/django.po` must translate every
msgid (no empty msgstr, no fuzzy entry, same placeholders), the tracked `django.mo` must be
compiled from it, and every literal string wrapped in gettext in the code and templates must
be in the catalogue (i.e. `makemessages` was run after adding it). See docs/architecture.md,
"Languages".
"""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation.template import templatize

from tests.factories_reporting import DEMO_YEAR, demo_report

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%|<[^>]+>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def untranslated(self) -> bool:
        return not self.msgstr or any(not s for s in self.msgstr.values())


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str), text
    return value


def parse_po(path: Path) -> list[Entry]:
    """Active entries of a .po file (header and obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    current, obsolete, key = Entry(), False, ("", 0)
    keyword = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")
    lines = path.read_text(encoding="utf-8").splitlines() + [""]
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            if current.msgid and not obsolete:
                entries.append(current)
            current, obsolete, key = Entry(line=number + 1), False, ("", 0)
        elif line.startswith("#~"):
            obsolete = True
        elif line.startswith("#,"):
            current.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := keyword.match(line):
            name, index, text = match.groups()
            key = ("msgstr", int(index or 0)) if name.startswith("msgstr") else (name, 0)
            if key[0] == "msgstr":
                current.msgstr[key[1]] = _unquote(text)
            else:
                setattr(current, name, _unquote(text))
        elif line.startswith('"') and key[0] == "msgstr":
            current.msgstr[key[1]] += _unquote(line)
        elif line.startswith('"') and key[0]:
            setattr(current, key[0], (getattr(current, key[0]) or "") + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: unreadable line {raw!r}")
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = parse_po(PO_FILE)
    assert len(entries) > 800, "the English catalogue looks truncated"
    return entries


def _show(entries: list[Entry]) -> str:
    return "\n".join(f"  line {e.line}: {e.msgid[:90]!r}" for e in entries[:40])


def test_every_msgid_has_an_english_translation(catalogue):
    missing = [e for e in catalogue if e.untranslated]
    assert not missing, (
        f"{len(missing)} of {len(catalogue)} msgids in {PO_FILE.name} have no English msgstr "
        f"(translate them, then compilemessages):\n{_show(missing)}"
    )


def test_no_fuzzy_entries(catalogue):
    fuzzy = [e for e in catalogue if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries are not used by gettext; check and unflag:\n{_show(fuzzy)}"


def test_plural_entries_have_both_forms(catalogue):
    bad = [e for e in catalogue if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1]]
    assert not bad, f"plural entries need msgstr[0] and msgstr[1]:\n{_show(bad)}"


def test_translations_keep_placeholders_and_markup(catalogue):
    def marks(text: str) -> list[str]:
        return sorted(PLACEHOLDER.findall(text))

    bad = []
    for e in catalogue:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for index, text in e.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            if text and marks(text) != marks(source):
                bad.append(e)
    assert not bad, f"placeholders or HTML tags differ from the msgid:\n{_show(bad)}"


def test_compiled_catalogue_matches_the_po(catalogue):
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = []
    for e in catalogue:
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            ok = compiled.gettext(msgid) == e.msgstr[0]
        else:
            ok = compiled.ngettext(msgid, e.msgid_plural, 1) == e.msgstr[0] and (
                compiled.ngettext(msgid, e.msgid_plural, 2) == e.msgstr[1]
            )
        if not ok:
            stale.append(e)
    assert not stale, (
        f"django.mo is out of date; run `manage.py compilemessages -l en -i .venv`:\n{_show(stale)}"
    )


# ------------------------------------------------------ every wrapped string is in the catalogue

# `_t` is `gettext` under another name (reporting/management/commands/makemessages.py).
GETTEXT_FUNCS = {"_", "_t", "gettext", "gettext_lazy", "gettext_noop"}
NGETTEXT_FUNCS = {"ngettext", "ngettext_lazy"}
# What makemessages hands xgettext for a template: gettext(u'...') / ngettext(u'...', ...).
TEMPLATIZED_CALL = re.compile(r"""\b(n?gettext)\((u?'(?:[^'\\]|\\.)*'|u?"(?:[^"\\]|\\.)*")""")


def _project_apps() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    paths = {base / settings.ROOT_URLCONF.split(".")[0]}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            paths.add(path)
    return sorted(paths)


def _template_files() -> list[Path]:
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [app / "templates" for app in _project_apps()]
    return sorted({p for d in dirs for p in d.rglob("*") if p.suffix in (".html", ".txt")})


# (msgid, plural?, line) of every literal string wrapped in gettext/ngettext.
Found = tuple[str, bool, int]


def _python_msgids(path: Path) -> Iterator[Found]:
    source = path.read_text(encoding="utf-8")
    if "django.utils.translation" not in source:
        return
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT_FUNCS | NGETTEXT_FUNCS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.func.id in NGETTEXT_FUNCS, node.lineno


def _template_msgids(path: Path) -> Iterator[Found]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in TEMPLATIZED_CALL.finditer(code):
        line = code.count("\n", 0, match.start()) + 1
        yield _unquote(match.group(2)), match.group(1) == "ngettext", line


def test_every_wrapped_string_is_in_the_catalogue(catalogue):
    """makemessages was run after strings were added, and no msgid is used both ways."""
    singular = {e.msgid for e in catalogue if e.msgctxt is None and e.msgid_plural is None}
    plural = {e.msgid for e in catalogue if e.msgctxt is None and e.msgid_plural is not None}
    base = Path(settings.BASE_DIR).resolve()
    found: list[tuple[Path, Found]] = []
    for root in _project_apps():
        for path in sorted(root.rglob("*.py")):
            if "migrations" not in path.parts:
                found += [(path, f) for f in _python_msgids(path)]
    for path in _template_files():
        found += [(path, f) for f in _template_msgids(path)]
    assert len(found) > 800, "the scan found too few strings; is it still reading the code?"
    absent = [
        (path, (text, is_plural, line))
        for path, (text, is_plural, line) in found
        if text and text not in (plural if is_plural else singular)
    ]
    listing = "\n".join(
        f"  {p.relative_to(base)}:{n}: {t[:80]!r}" + (" (plural)" if pl else "")
        for p, (t, pl, n) in absent[:40]
    )
    assert not absent, (
        f"{len(absent)} wrapped strings are not in the English catalogue (or are used with and "
        f"without a plural, which gettext cannot translate both ways); run `manage.py "
        f"makemessages -l en --no-obsolete -i .venv -i staticfiles -i bench` and translate "
        f"them:\n{listing}"
    )


# ------------------------------------------------------------- pages render in English


def _indonesian_sentences(catalogue: list[Entry]) -> list[str]:
    """Catalogue sentences (3+ words, no placeholders) whose English differs from them."""
    out = []
    for e in catalogue:
        if e.msgid_plural is None and e.msgctxt is None and e.msgstr.get(0) != e.msgid:
            text = e.msgid.replace("%%", "%")
            if len(text.split()) >= 3 and "%(" not in text and "<" not in text:
                out.append(text)
    return out


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_english(response, heading: str, indonesian: str, catalogue: list[Entry]) -> None:
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    html = response.content.decode()
    assert heading in html
    assert indonesian not in html
    leftovers = [s for s in _indonesian_sentences(catalogue) if s in html]
    assert not leftovers, f"untranslated Indonesian on the English page: {leftovers[:10]}"


@pytest.mark.django_db
def test_login_page_in_english(catalogue):
    response = english(Client()).get(reverse("login"))
    assert_english(response, "Sign in to e-SPM", "Masuk ke e-SPM", catalogue)
    assert "Forgot your password?" in response.content.decode()


@pytest.mark.django_db
def test_home_in_english(login, catalogue):
    response = english(login("klaten.dinkes")).get(reverse("home"))
    assert_english(response, "Quarterly reports", "Laporan triwulan", catalogue)
    html = response.content.decode()
    assert "Log out" in html and ">Keluar<" not in html


@pytest.mark.django_db
def test_report_form_in_english(login, catalogue):
    report = demo_report(code="K-KES-01")
    url = reverse("reporting:report_detail", kwargs={"pk": report.pk})
    response = english(login("klaten.dinkes")).get(url)
    assert_english(response, "Service recipients", "Penerima layanan", catalogue)
    html = response.content.decode()
    assert "cumulative from 1 January" in html and "kumulatif sejak 1 Januari" not in html
    assert "Problems and solutions" in html


@pytest.mark.django_db
def test_national_dashboard_in_english_after_an_indonesian_view(login, catalogue):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_national")
    params = {"year": DEMO_YEAR, "quarter": 2}
    # The Indonesian body is cached first: the English page must not be served from it.
    assert "Dashboard nasional" in client.get(url, params).content.decode()
    response = english(client).get(url, params)
    assert_english(response, "National dashboard", "Dashboard nasional", catalogue)
    assert "Input status by level" in response.content.decode()


@pytest.mark.django_db
def test_dashboard_downloads_follow_the_language_of_the_request(login):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_national_data")
    params = {"year": DEMO_YEAR, "quarter": 2, "format": "csv", "table": "input_status"}
    header = client.get(url, params).content.decode("utf-8-sig").splitlines()[0]
    # Indonesian Excel splits on semicolons (espm.exports); English gets commas.
    assert header.startswith("Tingkat;Jumlah wilayah;Mengisi"), header
    header = english(client).get(url, params).content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Level,Number of regions,Entered"), header


def test_import_workbook_stage_values_do_not_depend_on_the_first_requests_language():
    """reporting.imports.services builds its stage values at import; an English request must not fix them."""
    code = (
        "import django; django.setup()\n"
        "from django.utils import translation\n"
        "translation.activate('en')\n"
        "from reporting.imports import services as importer\n"
        "print(sorted(importer.STAGE_CODES.values()))\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == str(
        sorted(["Belum dilaksanakan", "Sedang dilaksanakan", "Selesai"])
    )


def test_no_eager_translation_at_import_time():
    """gettext() at module or class level keeps the language of whichever request imported it."""
    found = []
    for root in _project_apps():
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            eager = {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
                for alias in node.names
                if alias.name in {"gettext", "ngettext", "pgettext", "npgettext"}
            }
            found += [f"{path.name}:{line}" for line in _import_time_calls(tree, eager)]
    assert not found, f"use gettext_lazy (or translate inside the function): {found}"


def _import_time_calls(node: ast.AST, names: set[str]) -> Iterator[int]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
            if child.func.id in names:
                yield child.lineno
        yield from _import_time_calls(child, names)


@pytest.mark.django_db
def test_dashboard_drill_down_label_follows_the_language(login):
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_regions")
    params = {"year": DEMO_YEAR, "quarter": 2, "status": "entered"}
    assert "Sudah mengisi data" in client.get(url, params).content.decode()
    html = english(client).get(url, params).content.decode()
    assert "Data entered" in html and "Sudah mengisi data" not in html
