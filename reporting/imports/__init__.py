"""The Excel import of quarterly data: the prefilled workbook, reading it back, the preview
and the commit through the entry services (``services``), its pages (``views``, ``urls``)."""
