"""Business rules shared by the reporting areas; each rule lives in exactly one module here."""
