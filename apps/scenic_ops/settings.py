"""Django settings for scenic-ops. Values come from the site chosen by SCENIC_SITE."""

from __future__ import annotations

import os
from datetime import timedelta

import pymysql
from django.utils.translation import gettext_lazy as _

from scenic_ops.conf import ROOT, load_site
from scenic_ops.core import redis_sentinel

# Web and worker processes do small numeric work (forecasts, exports): one BLAS thread each, so no idle
# math thread competes with request handling on the site's cores. Set before numpy is first imported.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

# PyMySQL (MIT) stands in for mysqlclient (GPL) so the shipped product stays MIT-clean.
pymysql.install_as_MySQLdb()

SITE = load_site()
TESTING = os.environ.get("SCENIC_TESTING") == "1"

SITE_NAME = SITE.name
SECRET_KEY = SITE.secret("secrets", "secret_key")
DEBUG = bool(SITE.get("web", "debug", False))
ALLOWED_HOSTS = list(SITE.get("web", "allowed_hosts", ["127.0.0.1", "localhost"]))
CSRF_TRUSTED_ORIGINS = list(SITE.get("web", "csrf_trusted_origins", []))
BASE_DIR = ROOT
APPS_DIR = ROOT / "apps" / "scenic_ops"
VAR_DIR = ROOT / "var" / SITE.name

DOMAIN_APPS = [
    "scenic_ops.core",
    "scenic_ops.workflow",
    "scenic_ops.governance",  # before the domains whose demo approvals spend on its budgets
    "scenic_ops.ticketing",
    "scenic_ops.access",
    "scenic_ops.flow",
    "scenic_ops.operations",
    "scenic_ops.service",
    "scenic_ops.shop",
    "scenic_ops.insights",
    "scenic_ops.portal",
]

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files: the docs work without internet
    "django_filters",
    "django_rq",
    "scenic_ops.core.thirdparty.LoginProtectionConfig",  # django-axes
    "django_otp",
    "scenic_ops.core.thirdparty.TwoFactorConfig",  # django-otp TOTP
    *DOMAIN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scenic_ops.core.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "scenic_ops.urls"
WSGI_APPLICATION = "scenic_ops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APPS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scenic_ops.portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
_db_name = SITE.get("database", "name")
_db_common = {
    "ENGINE": "django.db.backends.mysql",
    "USER": SITE.get("database", "user"),
    "PASSWORD": SITE.secret("database", "password"),
    "HOST": SITE.get("database", "host", "127.0.0.1"),
    "PORT": int(SITE.get("database", "port", 3306)),
    "OPTIONS": {"charset": "utf8mb4", "isolation_level": "read committed", "connect_timeout": 5},
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
}
DATABASES = {
    "default": {
        **_db_common,
        "NAME": _db_name,
        # SCENIC_TEST_DB_SUFFIX lets several test runs share one server (e.g. parallel work trees).
        "TEST": {
            "NAME": f"{_db_name}_test{os.environ.get('SCENIC_TEST_DB_SUFFIX', '')}",
            "CHARSET": "utf8mb4",
            "COLLATION": "utf8mb4_unicode_ci",
        },
    }
}
if SITE.get("database", "replica_host"):
    DATABASES["replica"] = {
        **_db_common,
        "NAME": SITE.get("database", "replica_name", _db_name),
        "HOST": SITE.get("database", "replica_host"),
        "PORT": int(SITE.get("database", "replica_port", 3306)),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["scenic_ops.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, locks, rate limits, RQ -----------------------------
REDIS_URL = SITE.get("redis", "test_url" if TESTING else "url", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"scenic:{SITE.name}",
        "TIMEOUT": 300,
    }
}
if redis_sentinel.is_sentinel(REDIS_URL):
    CACHES["default"]["OPTIONS"] = {"pool_class": "scenic_ops.core.redis_sentinel.SentinelPool"}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_NAME = f"scenic_{SITE.name}_session"
CSRF_COOKIE_NAME = f"scenic_{SITE.name}_csrftoken"
SESSION_COOKIE_HTTPONLY = True

_rq_connection = (
    redis_sentinel.rq_queue_config(REDIS_URL) if redis_sentinel.is_sentinel(REDIS_URL) else {"URL": REDIS_URL}
)
RQ_QUEUES = {name: {**_rq_connection, "DEFAULT_TIMEOUT": 600} for name in ("high", "default", "low")}
RQ_SHOW_ADMIN_LINK = False

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Lock the account, not the address: a ticket office's clerks share one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "scenic_ops.core.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "scenic-ops"
if TESTING:
    OTP_TOTP_THROTTLE_FACTOR = 0
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- I18n -------------------------------------------------------------------
LANGUAGE_CODE = SITE.get("web", "language", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [ROOT / "locale"]
TIME_ZONE = SITE.get("web", "time_zone", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = ROOT / "var" / "static"
_npm = ROOT / "node_modules"
STATICFILES_DIRS = [
    ("vendor/frappe-charts", _npm / "frappe-charts" / "dist"),
    ("vendor/leaflet", _npm / "leaflet" / "dist"),
    ("vendor/htmx", _npm / "htmx.org" / "dist"),
    ("vendor/alpinejs", _npm / "alpinejs" / "dist"),
    ("vendor/jsqr", _npm / "jsqr" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = SITE.folder / "files"
_storage_backend = SITE.get("storage", "backend", "local")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if _storage_backend == "s3":  # any S3-compatible store such as MinIO (needs django-storages)
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": SITE.get("storage", "endpoint_url"),
            "bucket_name": SITE.get("storage", "bucket"),
            "access_key": SITE.secret("storage", "access_key"),
            "secret_key": SITE.secret("storage", "secret_key"),
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scenic_ops.core.apikeys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "scenic_ops.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "scenic-ops API",
    "DESCRIPTION": "Operations platform of a smart scenic area: ticketing, gates, visitor flow, "
    "operations and partner integration. Errors are JSON objects with a stable `code` and a "
    "readable `detail`. Create endpoints accept an `Idempotency-Key` header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
        }
    },
}

# --- Outbound gateways ----------------------------------------------------------
SCENIC_GATEWAYS = {
    channel: SITE.get("gateways", channel)
    for channel in ("sms", "email", "wecom", "webhook")
    if SITE.get("gateways", channel)
}
OUTBOX_MAX_ATTEMPTS = int(SITE.get("outbox", "max_attempts", 6))
OUTBOX_BACKOFF_SECONDS = int(SITE.get("outbox", "backoff_seconds", 30))

# --- Personal data ------------------------------------------------------------
PII_KEY = SITE.secret("secrets", "pii_key")
BLIND_INDEX_KEY = SITE.secret("secrets", "blind_index_key")
TICKET_SIGNING_KEY = SITE.secret("secrets", "ticket_signing_key")

# --- Desk (Unfold) ----------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": _("scenic-ops"),
    "SITE_HEADER": _("scenic-ops"),
    "SITE_SUBHEADER": _("Smart scenic area operations"),
    "SITE_SYMBOL": "landscape",
    "SITE_URL": "/",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "ENVIRONMENT": "scenic_ops.core.dashboard.environment_callback",
    "DASHBOARD_CALLBACK": "scenic_ops.core.dashboard.dashboard_callback",
    "COLORS": {
        "primary": {
            "50": "236 253 245",
            "100": "209 250 229",
            "200": "167 243 208",
            "300": "110 231 183",
            "400": "52 211 153",
            "500": "16 185 129",
            "600": "5 150 105",
            "700": "4 120 87",
            "800": "6 95 70",
            "900": "6 78 59",
            "950": "2 44 34",
        },
    },
    "SIDEBAR": {"show_search": True, "show_all_applications": True},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "scenic_ops": {"level": "INFO"},
        "rq.worker": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
