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
    "dashboard",
    "wall",
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

# The province the platform serves, as minLon,minLat,maxLon,maxLat in WGS 84 (default Long An): where
# the dashboard opens, what a wall map without a bbox of its own shows, what tile seeding covers by
# default, and where imports look first for a file's CRS. Its centre follows (layers/extent.py).
PROVINCE_BOUNDS = env.list("PROVINCE_BOUNDS", cast=float, default=[105.49, 10.39, 106.76, 11.04])

# Layers: paging of the GeoJSON API.
LAYERS_PAGE_DEFAULT = env.int("LAYERS_PAGE_DEFAULT", default=10000)
LAYERS_PAGE_MAX = env.int("LAYERS_PAGE_MAX", default=50000)
# Health check: how long to wait for a Celery worker to answer a ping.
HEALTHZ_CELERY_TIMEOUT = env.float("HEALTHZ_CELERY_TIMEOUT", default=2.0)

# Planners' zones: the layer they are saved in, the group that may edit them (and superusers),
# the district layer that names a zone's district, and the most vertices a zone may have.
LAYERS_ZONES_LAYER = env.str("LAYERS_ZONES_LAYER", default="planning-zones")
LAYERS_ZONE_EDITORS_GROUP = env.str("LAYERS_ZONE_EDITORS_GROUP", default="planners")
LAYERS_ZONE_DISTRICTS_LAYER = env.str("LAYERS_ZONE_DISTRICTS_LAYER", default="admin-districts")
LAYERS_ZONE_MAX_VERTICES = env.int("LAYERS_ZONE_MAX_VERTICES", default=20_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Tiles: vector (MVT) and raster tiles, their cache and seeding. tiles/checks.py checks they agree.
# Where rendered tiles are kept: "redis" (TILES_CACHE_URL), "disk" (TILES_CACHE_DIR) or "none".
TILES_CACHE = env.str("TILES_CACHE", default="redis")
TILES_CACHE_URL = env.str("TILES_CACHE_URL", default=REDIS_URL)
TILES_CACHE_DIR = env.path("TILES_CACHE_DIR", default=VAR_DIR / "tiles")
# Old versions are never deleted, they expire (seconds).
TILES_CACHE_TTL = env.int("TILES_CACHE_TTL", default=7 * 24 * 3600)
TILES_MIN_ZOOM = env.int("TILES_MIN_ZOOM", default=0)
TILES_MAX_ZOOM = env.int("TILES_MAX_ZOOM", default=22)
# No vector tile is larger (bytes, before gzip); above it, or above TILES_MAX_FEATURES features,
# a tile is drawn as grid clusters with counts and sums.
TILES_MAX_BYTES = env.int("TILES_MAX_BYTES", default=512 * 1024)
TILES_MAX_FEATURES = env.int("TILES_MAX_FEATURES", default=5_000)
# Cluster cells per tile side (32 = 16 px cells on a 512 px vector tile).
TILES_CLUSTER_CELLS = env.int("TILES_CLUSTER_CELLS", default=32)
# Clusters of layers above TILES_MAX_FEATURES are precomputed per version up to this zoom.
TILES_CLUSTER_MAX_ZOOM = env.int("TILES_CLUSTER_MAX_ZOOM", default=12)
TILES_GZIP_LEVEL = env.int("TILES_GZIP_LEVEL", default=6)
# Anonymous tile requests answered before Django's request cycle (tiles.edge); false sends every tile to Django.
TILES_EDGE = env.bool("TILES_EDGE", default=True)
TILES_STATEMENT_TIMEOUT_MS = env.int("TILES_STATEMENT_TIMEOUT_MS", default=30_000)
TILES_RASTER_SIZE = env.int("TILES_RASTER_SIZE", default=256)
# Seeding covers this box (WGS 84: minLon,minLat,maxLon,maxLat), by default the province.
TILES_SEED_BBOX = env.list("TILES_SEED_BBOX", cast=float, default=PROVINCE_BOUNDS)

# Imports and exports. Caps on what a file may make the server do; layers/checks.py checks they agree.
LAYERS_IMPORT_DIR = Path(env.str("LAYERS_IMPORT_DIR", default=str(Path(MEDIA_ROOT) / "imports")))
LAYERS_EXPORT_DIR = Path(env.str("LAYERS_EXPORT_DIR", default=str(Path(MEDIA_ROOT) / "exports")))
LAYERS_RASTER_DIR = Path(env.str("LAYERS_RASTER_DIR", default=str(Path(MEDIA_ROOT) / "rasters")))
LAYERS_IMPORT_MAX_UPLOAD_BYTES = env.int("LAYERS_IMPORT_MAX_UPLOAD_BYTES", default=1024 * 1024 * 1024)
LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS = env.int("LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS", default=200)
LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES", default=4 * 1024**3)
# A zip member that inflates more than this many times its compressed size is a bomb, not data.
LAYERS_IMPORT_MAX_COMPRESSION_RATIO = env.int("LAYERS_IMPORT_MAX_COMPRESSION_RATIO", default=100)
# width × height × bands of a raster, checked from its header before any pixel is read.
LAYERS_IMPORT_MAX_RASTER_PIXELS = env.int("LAYERS_IMPORT_MAX_RASTER_PIXELS", default=2_000_000_000)
# Features per COPY batch: bounds the worker's memory on big files.
LAYERS_IMPORT_BATCH = env.int("LAYERS_IMPORT_BATCH", default=200_000)
# Database connections that build a replaced layer's indexes at once (layers.storage.build_indexes);
# 1 builds them one after the other inside the publishing transaction.
LAYERS_IMPORT_INDEX_BUILDERS = env.int("LAYERS_IMPORT_INDEX_BUILDERS", default=2)
# Per-row problems kept in a job's report (all of them are counted).
LAYERS_IMPORT_REPORT_ROWS = env.int("LAYERS_IMPORT_REPORT_ROWS", default=1000)
# Above this many features a GeoPackage/Shapefile/KML/CSV export is built by a Celery job.
LAYERS_EXPORT_ASYNC_FEATURES = env.int("LAYERS_EXPORT_ASYNC_FEATURES", default=50_000)
# A job whose worker died is taken back by the broker after this many seconds (Redis transport);
# the job's advisory lock makes a second delivery of a running job harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}

# Wall. WALL_NOW pins "now" for time windows (RFC 3339 with an offset; empty = the real clock);
# the demo scenes carry their own as-of time, since the demo data is from 2022.
WALL_NOW = env.str("WALL_NOW", default="")
WALL_STATE_POLL_MS = env.int("WALL_STATE_POLL_MS", default=1000)
WALL_DATA_POLL_MS = env.int("WALL_DATA_POLL_MS", default=10_000)
WALL_DEFAULT_PLAYLIST = env.str("WALL_DEFAULT_PLAYLIST", default="long-an-ioc")
# A display signed in with ?token= stays signed in this long (or until its token is deleted).
WALL_DISPLAY_SESSION_DAYS = env.int("WALL_DISPLAY_SESSION_DAYS", default=365)
