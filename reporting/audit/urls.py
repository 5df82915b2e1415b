"""The audit trail (read-only): page and CSV export."""

from django.urls import path

from reporting.audit import views as v

urlpatterns = [
    path("audit/", v.audit_trail, name="audit_trail"),
    path("audit/ekspor.csv", v.audit_trail_csv, name="audit_trail_csv"),
]
