"""The one settings module. Every value comes from the environment through a typed helper.

`make run` records the database and Redis it set up in `var/local.env`, so that
`.venv/bin/python manage.py ...` works from the project root with no extra environment.
Real environment variables always win over that file.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (VAR_DIR / "local.env").is_file():
    environ.Env.read_env(VAR_DIR / "local.env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A dev key is only accepted with DEBUG on or when `make run` wrote one to var/local.env.
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "layers.apps.LayersConfig",
    "tiles",
    "fixtures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "layers.tokens.TokenMiddleware",
    "layers.errors.ApiErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "geo_ioc.urls"
WSGI_APPLICATION = "geo_ioc.wsgi.application"
ASGI_APPLICATION = "geo_ioc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "geo_ioc" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", engine="django.contrib.gis.db.backends.postgis")}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# gis.W001 warns that GDAL < 3.9 cannot block file/network access while parsing a spatial reference.
# Debian 12 ships 3.6; no user-supplied SRS text reaches GeoDjango's GDAL (CRS are resolved with
# pyproj, and imports open files through pyogrio/rasterio with an allow-listed driver).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

REDIS_URL = env.str("REDIS_URL")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "geo_ioc" / "static"]
# Front-end packages installed from npm at set-up (pinned by package-lock.json) and served by the
# app itself under /static/vendor/<package>/: no CDN on a government intranet.
NODE_MODULES_DIR = BASE_DIR / "node_modules"
VENDOR_PACKAGES = ["ol", "maplibre-gl", "swagger-ui-dist", "@fontsource/noto-sans"]
STATICFILES_DIRS += [
    ("vendor/" + name, NODE_MODULES_DIR / name) for name in VENDOR_PACKAGES if (NODE_MODULES_DIR / name).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "layers.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "layers.errors.drf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Geo IOC API",
    "DESCRIPTION": "Layer catalog, GeoJSON features and tiles of the provincial operations center.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar is not used).
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Layers: paging of the GeoJSON API.
LAYERS_PAGE_DEFAULT = env.int("LAYERS_PAGE_DEFAULT", default=10000)
LAYERS_PAGE_MAX = env.int("LAYERS_PAGE_MAX", default=50000)
# Health check: how long to wait for a Celery worker to answer a ping.
HEALTHZ_CELERY_TIMEOUT = env.float("HEALTHZ_CELERY_TIMEOUT", default=2.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
