"""Django settings, all read from environment variables (see README: Configuration)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oms.modules import REGISTRY, enabled_modules

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("OMS_DATA_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


DEBUG = _env_bool("OMS_DEBUG", False)
SECRET_KEY = os.environ.get("OMS_SECRET_KEY") or "oms-insecure-development-key-change-me-in-production"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("OMS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("OMS_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

OMS_MODULES = enabled_modules()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *[REGISTRY[name].app for name in OMS_MODULES],
]

# Django's session, CSRF, authentication, messages and frame-options middleware, each skipped for
# the token-authenticated JSON API under /api/ (see oms.core.middleware).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oms.core.middleware.SessionForPages",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "oms.core.middleware.CsrfForPages",
    "oms.core.middleware.AuthenticationForPages",
    "oms.core.middleware.MessagesForPages",
    "oms.core.middleware.FrameOptionsForPages",
    "oms.core.middleware.RequestContextMiddleware",
]
if "backoffice" in OMS_MODULES:
    # After authentication: the language an operator chose in the back office wins over the browser's.
    MIDDLEWARE.insert(MIDDLEWARE.index("oms.core.middleware.AuthenticationForPages") + 1,
                      "oms.backoffice.middleware.UserLanguageMiddleware")

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The back office overrides admin templates (home = dashboard, search box and language switch
        # in every page's header); DIRS is searched before the apps, so django.contrib.admin can stay first.
        "DIRS": [PACKAGE_DIR / "backoffice" / "templates"] if "backoffice" in OMS_MODULES else [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("OMS_DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("OMS_DB_CONN_MAX_AGE", "60")))
        if db["ENGINE"] == "django.db.backends.postgresql":
            db.setdefault("TEST", {})["NAME"] = os.environ.get("OMS_TEST_DATABASE_NAME")
            # Parameters bound by the server let psycopg prepare a statement it has run a few times on the
            # connection: the order path's statements are then planned once per connection, not per call
            # (planning was a third of PostgreSQL's time per order). Behind a pooler that cannot keep
            # prepared statements, set OMS_DB_PREPARE_THRESHOLD=off.
            threshold = os.environ.get("OMS_DB_PREPARE_THRESHOLD", "5")
            if threshold != "off" and not threshold.isdigit():
                raise ImproperlyConfigured(f"OMS_DB_PREPARE_THRESHOLD must be a number or 'off', not {threshold!r}")
            db.setdefault("OPTIONS", {}).update(
                server_side_binding=True, prepare_threshold=None if threshold == "off" else int(threshold))
        return db
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "oms.sqlite3"),
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on the busy timeout instead of failing half-way with "database is locked".
        "OPTIONS": {
            "timeout": int(os.environ.get("OMS_SQLITE_TIMEOUT", "20")),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
        "TEST": {"NAME": str(DATA_DIR / "test-oms.sqlite3")},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = os.environ.get("OMS_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("OMS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/admin/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OMS_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
OMS_API_MAX_PAGE_SIZE = 200
# When committed audit records are chained (oms.core.services.audit): "commit" right after each commit,
# "background" by one thread per process in batches (oms serve's default: one sealing transaction per
# batch instead of one per request).
OMS_AUDIT_SEAL = os.environ.get("OMS_AUDIT_SEAL", "commit")
if OMS_AUDIT_SEAL not in ("commit", "background"):
    raise ImproperlyConfigured(f"OMS_AUDIT_SEAL must be 'commit' or 'background', not {OMS_AUDIT_SEAL!r}")
OMS_AUDIT_SEAL_DELAY_MS = int(os.environ.get("OMS_AUDIT_SEAL_DELAY_MS", "50"))
