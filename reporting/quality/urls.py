"""Data quality: Bangda's rule editor."""

from django.urls import path

from reporting.quality import views as v

urlpatterns = [
    path("kualitas-data/aturan/", v.rule_list, name="quality_rules"),
    path("kualitas-data/aturan/baru/", v.rule_create, name="quality_rule_create"),
    path("kualitas-data/aturan/baru/uji/", v.rule_try, name="quality_rule_try_new"),
    path("kualitas-data/aturan/<int:pk>/", v.rule_detail, name="quality_rule"),
    path("kualitas-data/aturan/<int:pk>/status/", v.rule_switch, name="quality_rule_switch"),
    path("kualitas-data/aturan/<int:pk>/uji/", v.rule_try, name="quality_rule_try"),
]
