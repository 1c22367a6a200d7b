"""Django settings, all from the environment (`CLEARPOST_*`, `DATABASE_URL`).

SQLite and a local data folder by default; PostgreSQL by setting `DATABASE_URL`; the
Redis task queue by `CLEARPOST_TASK_BACKEND=rq`. Keys are generated into the data folder
on first run when the environment does not give them.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from clearpost.app import keys
from clearpost.app.env import Env

env = Env()

DATA_DIR = env.path("CLEARPOST_DATA_DIR", Path.cwd() / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
MEDIA_DIR = DATA_DIR / "media"
OUTBOX_DIR = DATA_DIR / "outbox"

DEBUG = env.boolean("CLEARPOST_DEBUG", False)
SECRET_KEY = keys.secret_key(env, DATA_DIR)
CLEARPOST_ENCRYPTION_KEY = keys.encryption_key(env, DATA_DIR)
CLEARPOST_INDEX_KEY = keys.index_key(env, DATA_DIR)
ALLOWED_HOSTS = env.items("CLEARPOST_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.items("CLEARPOST_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env.string("CLEARPOST_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "clearpost.app.practices",
    "clearpost.app.accounts",
    "clearpost.app.audit",
    "clearpost.app.patients",
    "clearpost.app.authorizations",
    "clearpost.app.publishing",
    "clearpost.app.media",
    "clearpost.app.posts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clearpost.app.accounts.middleware.IdleLogoffMiddleware",
    "clearpost.app.accounts.middleware.MfaRequiredMiddleware",
    "clearpost.app.practices.middleware.PracticeMiddleware",
    "clearpost.app.accounts.permissions.DenialAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clearpost.app.urls"
WSGI_APPLICATION = "clearpost.app.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clearpost.app.practices.context.practice",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'clearpost.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env.string("DATABASE_URL", _default_db), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker write while the web process reads; IMMEDIATE avoids
        # "database is locked" upgrades in the middle of a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASK_BACKEND = env.choice("CLEARPOST_TASK_BACKEND", "database", ("database", "rq", "immediate"))
REDIS_URL = env.string("CLEARPOST_REDIS_URL", "redis://127.0.0.1:6379/0")
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# SEC-AUTO-LOGOFF: idle sessions end; the middleware audits the logoff.
IDLE_TIMEOUT_MINUTES = env.integer("CLEARPOST_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60 + 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
HTTPS = env.boolean("CLEARPOST_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGIN_MAX_FAILURES = env.integer("CLEARPOST_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.integer("CLEARPOST_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
MFA_ISSUER = env.string("CLEARPOST_MFA_ISSUER", "ClearPost")

# Uploads: refuse large bodies before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("CLEARPOST_MAX_FORM_BYTES", 2 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Media library (issue 7): upload limits, enforced while the upload streams.
CLEARPOST_MEDIA_MAX_PHOTO_MB = env.integer("CLEARPOST_MEDIA_MAX_PHOTO_MB", 50, minimum=1)
CLEARPOST_MEDIA_MAX_VIDEO_MB = env.integer("CLEARPOST_MEDIA_MAX_VIDEO_MB", 1024, minimum=1)
CLEARPOST_MEDIA_MAX_VIDEO_SECONDS = env.integer("CLEARPOST_MEDIA_MAX_VIDEO_SECONDS", 600, minimum=1)

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(OUTBOX_DIR)
DEFAULT_FROM_EMAIL = env.string("CLEARPOST_FROM_EMAIL", "no-reply@clearpost.local")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The project's own static folder (app.css, idle.js): clearpost.app is no installed app,
# so the app-directories finder alone would miss it outside DEBUG.
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_DIR)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.string("CLEARPOST_LOG_LEVEL", "WARNING")},
}
