"""The data entry area: quarterly reports as the agencies' operators fill them in (``api``)."""
