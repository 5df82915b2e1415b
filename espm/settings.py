"""e-SPM settings, driven by the environment.

With nothing set the app runs on SQLite with Celery tasks executed eagerly (the
embedded default of `make run`); `DATABASE_URL` switches to PostgreSQL (psycopg 3)
and `REDIS_URL` makes Redis the Celery broker, result backend and cache.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A server with its own database and DEBUG off is production: never sign with a known key.
    if not DEBUG and os.environ.get("DATABASE_URL"):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG=0 and DATABASE_URL set e-SPM refuses to start "
            "without its own key (50+ random characters; see README, Settings)."
        )
    # The embedded default (no DATABASE_URL) or DEBUG=1 is a laptop.
    SECRET_KEY = "insecure-dev-key-only-for-the-embedded-default-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "simple_history",
    "axes",
    "regions",
    "indicators",
    "reporting",
]

# History pages in the admin are read-only (espm.history_admin refuses the POST; this
# setting makes the page say "View" instead of "Revert").
SIMPLE_HISTORY_REVERT_DISABLED = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but for security: compresses what every inner layer produced (text only).
    "espm.middleware.CompressTextMiddleware",
    "espm.middleware.NoStoreDownloadsMiddleware",
    "espm.uploads.RequestSizeMiddleware",
    "espm.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "espm.middleware.SessionRenewalMiddleware",
    "espm.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "regions.middleware.ActiveMembershipMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Each area contributes panels to the role home pages (regions.views.home_panels):
# "module:function", the function taking (request, membership) and returning a list of Panel.
# A module that does not exist is skipped.
HOME_PANELS = [
    "reporting.entry.home:panels",
    "reporting.review.home:panels",
    "reporting.dashboards.home:panels",
    "reporting.plans.home:panels",
    "indicators.home:panels",
    "regions.home:panels",
]

ROOT_URLCONF = "espm.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regions.context_processors.membership",
            ],
        },
    },
]

WSGI_APPLICATION = "espm.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under parallel requests: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock at BEGIN (no "database is locked" upgrade deadlock) and
    # the busy timeout makes a second writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DB_PREPARED_STATEMENTS", True):
    # Server-side binding lets psycopg prepare a statement the 5th time a connection runs it:
    # PostgreSQL then skips planning, which was 60 % of its CPU in the deadline rush
    # (docs/performance.md). DB_PREPARED_STATEMENTS=0 behind a transaction-pooling pgbouncer.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "regions.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): 5 failures per username+IP lock for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many reverse proxies of ours sit in front of gunicorn and append to X-Forwarded-For.
# 0: the header is ignored (anyone can write it). One setting for axes and DRF (espm/net.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "espm.net.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Failure counters in the database, so every web node counts the same attempts.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Redis: Celery broker and result backend, the cache, and the sessions' read path ("" = none).
REDIS_URL = os.environ.get("REDIS_URL", "")

# Sessions in the database: a request may land on any web node (docs/deploy.md). With Redis
# (shared by every node) they are also read from it, sparing each request a query. Never from a
# per-process cache: a logout on one worker would not reach the others.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sliding expiry: activity renews the session, written at most once a minute
# (espm.middleware.SessionRenewalMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = int(os.environ.get("SESSION_RENEW_SECONDS", "60"))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the meta tag, not the cookie.

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Off: years and codes must never print as "2.026"; templates group figures with |intcomma.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    # Evidence and generated PDFs live outside the web root and are only served by
    # permission-checked views; there is deliberately no MEDIA_URL route for them.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("PRIVATE_ROOT", str(BASE_DIR / "private"))},
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Several web nodes share no disk: STORAGE_BACKEND=s3 puts every file in one S3-compatible
# bucket (AWS, MinIO, Ceph…). The bucket stays private: files still stream through the
# permission-checked views, never through a public or presigned URL (docs/deploy.md).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower()
if STORAGE_BACKEND == "s3":
    _s3 = {
        "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        # MinIO and most self-hosted stores answer on one host name, not bucket.host.
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "path"),
        "signature_version": "s3v4",
        # Objects inherit the bucket's private policy; no ACL makes one public.
        "default_acl": None,
        # Two regions' "laporan.pdf" of the same month get two names, as on a local disk.
        "file_overwrite": False,
        # espm.s3 makes no URL at all; were one made, it would be signed and short-lived.
        "querystring_auth": True,
        "querystring_expire": 60,
        # A download is read into a temporary file first: past 2 MB it goes to disk, not memory.
        "max_memory_size": 2 * 1024 * 1024,
    }
    # Keys from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or the instance role.
    STORAGES["default"] = {
        "BACKEND": "espm.s3.PrivateS3Storage",
        "OPTIONS": {**_s3, "location": os.environ.get("AWS_MEDIA_LOCATION", "media")},
    }
    STORAGES["private"] = {
        "BACKEND": "espm.s3.PrivateS3Storage",
        "OPTIONS": {**_s3, "location": os.environ.get("AWS_PRIVATE_LOCATION", "private")},
    }
elif STORAGE_BACKEND != "local":
    raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The largest request body at all (the largest file we accept, plus room for the form):
# refused by Content-Length before reading, and never read past (espm/uploads.py).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(EVIDENCE_MAX_BYTES + 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "espm.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Redis: one cache for every web node (dashboards, DRF's rate-limit counters); the in-process
# cache is only for the embedded default, a single process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Only to share one Redis database between installations (or test runs).
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Dashboard bodies and data are reused while a fingerprint of their rows is unchanged
# (reporting/dashboards/cache.py); 0 turns that off. Only on PostgreSQL.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "600"))
# Each process also keeps its most recent entries in memory (same keys, so never stale).
DASHBOARD_LOCAL_ENTRIES = int(os.environ.get("DASHBOARD_LOCAL_ENTRIES", "64"))
DASHBOARD_LOCAL_BYTES = int(os.environ.get("DASHBOARD_LOCAL_BYTES", str(16 * 1024 * 1024)))

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Without a broker the embedded default runs tasks in process: inline, except the heavy
# document jobs, which run on a background thread after the response (espm/background.py).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
JOBS_EAGER_IN_THREAD = env_bool("JOBS_EAGER_IN_THREAD", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "espm")
# Document builds (PDFs, zips, long lists) may go to workers of their own, so a national batch
# never delays deadline messages or a period opening; unset, everything is on the one queue.
CELERY_DOCUMENTS_QUEUE = os.environ.get("CELERY_DOCUMENTS_QUEUE", "")
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = (
    {
        "reporting.tasks.generate_document": {"queue": CELERY_DOCUMENTS_QUEUE},
        "reporting.tasks.generate_batch": {"queue": CELERY_DOCUMENTS_QUEUE},
    }
    if CELERY_DOCUMENTS_QUEUE
    else {}
)
# No task runs forever: the soft limit raises inside it (jobs are marked failed), the hard
# limit a minute later kills the worker process. Eager tasks (no broker) have no limit.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# WeasyPrint builds: one document (a national report list, a recap) and every province's annex.
DOCUMENT_SOFT_TIME_LIMIT = int(os.environ.get("DOCUMENT_SOFT_TIME_LIMIT", "600"))
BATCH_SOFT_TIME_LIMIT = int(os.environ.get("BATCH_SOFT_TIME_LIMIT", "1800"))
# Beat only ticks; what is sent when (thresholds, times, channels) is ReminderRule in the database.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "deadline-messages": {
        "task": "reporting.tasks.tick",
        "schedule": float(os.environ.get("REMINDER_TICK_SECONDS", "3600")),
        "options": {"expires": 1800},
    },
    "import-drafts": {
        "task": "reporting.tasks.purge_import_drafts",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
}

# Django 6.1 mailers; SMTP when EMAIL_HOST is set, the console otherwise.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "e-SPM <no-reply@espm.local>")
# Absolute links in emails sent outside a request (invitations, reminders).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Content Security Policy (Django's built-in): no inline scripts anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Production hardening: on whenever DEBUG is off, unless explicitly relaxed (tests, local http).
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
if SECURE_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# API tokens expire this many days after they were issued (regions/tokens.py).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call then answers 401 with WWW-Authenticate.
        "espm.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "espm.api_base.AutoSchema",
    "EXCEPTION_HANDLER": "espm.api_base.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    # DRF reads X-Forwarded-For only this many hops deep; None would trust the whole header.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "2000/hour"),
        "anon": os.environ.get("API_THROTTLE_ANON", "100/hour"),
        "api_token": os.environ.get("API_THROTTLE_TOKEN", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "e-SPM API",
    "DESCRIPTION": "Quarterly SPM reporting for Indonesian regions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "reporting.models.Report.Status",
        "StageStatusEnum": "reporting.models.ReportStage.Status",
        "TargetStatusEnum": "indicators.models.Target.Status",
        "PeriodOpeningStatusEnum": "reporting.models.PeriodOpening.Status",
        "ActionPlanStatusEnum": "reporting.models.ActionPlan.Status",
        "SpmTeamMemberRoleEnum": "reporting.models.SpmTeamMember.Role",
        "ReportSectionEnum": "reporting.models.Section",
        "TimelinessEnum": "reporting.rules.windows.TIMELINESS",
        "RecapTimelinessEnum": ["on_time", "late", "not_submitted", "overdue"],
    },
}

# DKI Jakarta's kab/kota administrasi: listed, not autonomous, never reporting (docs/regions.md).
SPM_NON_AUTONOMOUS_REGIONS = ("31.01", "31.71", "31.72", "31.73", "31.74", "31.75")
# Policy: provinces that also report the kab/kota service types (Jakarta delivers them itself).
SPM_PROVINCES_WITH_KABKOTA_SERVICES = ("31",)

# Demo cast password (seed_demo); documented in the README.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-espm-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

AXES_VERBOSE = False
# Enforced on PostgreSQL; SQLite (the embedded default) cannot express nulls_distinct.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
