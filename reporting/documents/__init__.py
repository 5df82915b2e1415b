"""Generated documents' area: the jobs that build them, their reuse and staleness
(``services``), the LPPD annex and quarter report as PDF (``pdf``), the pages (``views``,
``urls``)."""
