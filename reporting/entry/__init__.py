"""The data entry area: quarterly reports as the agencies' operators fill them in — the pages
and their HTMX sections (``views``, ``urls``), the forms (``forms``), one write path for
sections, capaian, target sync and evidence (``services``), the API's and import's patch of
sections through the forms (``patch``), who may enter data now (``locks``), evidence files'
checks (``evidence``), the reads (``selectors``), the REST API (``api``) and the operator's home
panel (``home``)."""
