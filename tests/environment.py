"""The test run's own environment, loaded before the settings (`-p tests.environment`).

`make test` serves PostgreSQL with DEBUG off, which the settings treat as production: the
suite signs with a key of its own instead of refusing to start.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-never-used-outside-the-test-suite-0123456789")
