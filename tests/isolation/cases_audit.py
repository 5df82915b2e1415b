"""Audit trail: only audit roles (auditor, verifier, Bangda) open it; what each sees is scoped
(tests/test_audit_trail.py); writes (405 for everybody) are
proven in tests/test_audit_trail.py."""

from tests.isolation.expect import users_with
from tests.isolation.framework import Case

AUDITORS = users_with("auditor", "verifier", "bangda_admin")


CASES = [
    Case("reporting:audit_trail", allowed=AUDITORS),
    Case("reporting:audit_trail", allowed=AUDITORS, query="kind=workflow&page=2", label="filtered"),
    Case("reporting:audit_trail_csv", allowed=AUDITORS),
]
