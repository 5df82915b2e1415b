"""The audit trail's area: every data change (simple-history) and workflow step, read in the
user's scope (``selectors``), its page and CSV (``views``, ``urls``)."""
