"""reporting's URLs, one module per area: periods, data entry, review chain, dashboards, documents,
import, audit trail, action plans, award, LPPD annex, data quality."""

from reporting.audit import urls as urls_audit
from reporting.award import urls as urls_award
from reporting.dashboards import urls as urls_dashboard
from reporting.documents import urls as urls_documents
from reporting.entry import urls as urls_entry
from reporting.imports import urls as urls_import
from reporting.lppd import urls as urls_lppd
from reporting.periods import urls as urls_periods
from reporting.plans import urls as urls_plans
from reporting.quality import check_urls as quality_check_urls
from reporting.quality import urls as urls_quality
from reporting.review import urls as urls_review

app_name = "reporting"
urlpatterns = [
    *urls_periods.urlpatterns,
    *urls_entry.urlpatterns,
    *urls_review.urlpatterns,
    *urls_dashboard.urlpatterns,
    *urls_documents.urlpatterns,
    *urls_audit.urlpatterns,
    *urls_import.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_award.urlpatterns,
    *urls_lppd.urlpatterns,
    *urls_quality.urlpatterns,
    *quality_check_urls.urlpatterns,
]
