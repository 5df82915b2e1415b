"""Data quality: validation rules, flags, follow-up and the data-quality view."""
