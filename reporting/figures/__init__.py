"""Maintained figures: per-period aggregates of the reports that the dashboards read.

``RegionFigure`` (period × region × sector × report status: reports entered, reports with an
index, the sum of their indices) and ``ServiceFigure`` (period × province × service type ×
status × band: reports with an index, their sum; the whole nation under province ``''``, where
a region without a province — an ended one — counts only) are kept by database triggers on
``reporting_report`` (``triggers``), so every write — a section save, a workflow step, an
import, a reopening, the admin, a bulk update or raw SQL — changes them in its own transaction.
``services.rebuild`` recomputes both from the reports (``manage.py rebuild_figures``).

Which reports count in a figure is still ``reporting.rules.completeness``'s rule: the tables
keep the report status, and ``completeness.counted_figure_q`` picks the official ones.
"""
