"""The tenant-isolation matrix: every named URL × every key cast user (+ anonymous).

Each app contributes cases in ``tests/isolation/cases_*.py`` (a module-level ``CASES``
list). ``test_every_url_has_a_case`` fails as soon as a URL is added without one, so the
matrix grows with the project.

A case names the object a URL reaches (``owner``: region code, agency short name,
sector code) and who may succeed (``allowed``). Everyone else must fail: with 404 when
the object is outside what they may even see (no existence leak), and with 403 or 404
when they may see it but not do this. For writes, ``snapshot`` must be unchanged after a
refused request.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation import expect

OK = frozenset({200, 201, 204, 302, 303})
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Case:
    url_name: str
    allowed: frozenset[str] | set[str]
    owner: tuple[str, str | None, str | None] | None = None  # (region, agency, sector)
    kwargs: Callable[[], dict[str, Any]] = field(default=lambda: {})
    method: str = "get"
    data: Callable[[], dict[str, Any]] | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    snapshot: Callable[[], Any] | None = None
    ok_status: frozenset[int] = OK
    label: str = ""
    # Does a superuser without membership get through? None: where Bangda does (the scoping
    # layer lets it see and change everything; a step bound to a role still needs the role).
    superuser: bool | None = None

    @property
    def id(self) -> str:
        return f"{self.url_name}[{self.method}{':' + self.label if self.label else ''}]"

    def expected_denied(self, user: str) -> frozenset[int]:
        if user == ANONYMOUS:
            return frozenset({302, 401, 403})
        if self.owner is not None:
            region, agency, sector = self.owner
            if not expect.can_view(user, region, agency, sector):
                return frozenset({404})
        return frozenset({403, 404})


def all_cases() -> list[Case]:
    import tests.isolation as pkg

    cases: list[Case] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("cases_"):
            module = importlib.import_module(f"tests.isolation.{info.name}")
            cases.extend(module.CASES)
    return [_with_superusers(c) for c in cases]


def _with_superusers(case: Case) -> Case:
    superuser = "bangda.admin" in case.allowed if case.superuser is None else case.superuser
    if not superuser:
        return case
    return replace(case, allowed=frozenset(case.allowed) | expect.SUPERUSERS)


# URLs that are public by design or belong to Django/third-party machinery tested elsewhere.
PUBLIC_PREFIXES = ("admin:", "login", "logout", "password_", "set_language", "javascript-catalog")


def _walk(patterns: Iterable[Any], namespace: str = "") -> Iterable[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from _walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def project_url_names() -> set[str]:
    return {n for n in _walk(get_resolver().url_patterns) if not n.startswith(PUBLIC_PREFIXES)}
