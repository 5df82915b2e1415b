"""The reporting periods' area: the national calendar of quarters, Bangda's settings (due date,
late entry), opening a period for every region (a background job) and closing it (``api``)."""
