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
    "pgtrigger",
    "pghistory",
    "rest_framework",
    "drf_spectacular",
    "layers.apps.LayersConfig",
    "tiles",
    "fixtures",
    "dashboard",
    "wall",
    "monitoring",
    "feedback",
    "analysis",
    "ogc",
]

MIDDLEWARE = [
    # First: it sees every response last, the guard's refusals included (Content-Security-Policy).
    "geo_ioc.security_headers.SecurityHeadersMiddleware",
    # Next: CORS preflights answered before any check; the exact Vary of responses restored after
    # every other middleware has added to it.
    "geo_ioc.cors.SharedCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: control characters, bad UTF-8, over-long URLs and headers.
    "layers.guards.GuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "layers.tokens.TokenMiddleware",
    # After the callers are known: every write of a request is tagged with its user and path in the
    # audit log of layer changes (layers.history; transaction-local settings, safe behind PgBouncer).
    "pghistory.middleware.HistoryMiddleware",
    # Views marked primary_only read from the primary even on a GET (layers.replicas).
    "layers.replicas.PrimaryOnlyMiddleware",
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
# Every connection starts with the web's statement timeout (DB_STATEMENT_TIMEOUT_MS, set in the
# bounded-work block below; geo_ioc.statement_timeouts says why here and how jobs raise it).
# 30 s, as tiles: at 15 s a zone saved on a busy 2-core machine (the browser tests, seven sessions)
# was cancelled while waiting for its locks. gunicorn's worker timeout (120 s) is well above it.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
# And no JIT: the planner prices a statement over every layer's partition (counts, summaries) above
# jit_above_cost, and compiling it took 0.4 s of a statement that runs in 7 ms (18 demo layers); on a
# busy machine a playing time slider's counts then queued into the timeout. Tiles and cluster builds
# already turned it off for their statements.
DATABASES["default"]["OPTIONS"]["options"] = " ".join(
    filter(None, [DATABASES["default"]["OPTIONS"].get("options"), f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
                  "-c jit=off"])
)
# Read replicas (layers.replicas): streaming replicas of the primary, any number, for read-only work.
# A replica that does not answer within REPLICA_CONNECT_TIMEOUT_S is skipped for REPLICA_RETRY_S.
REPLICA_CONNECT_TIMEOUT_S = env.int("REPLICA_CONNECT_TIMEOUT_S", default=2)
REPLICA_RETRY_S = env.float("REPLICA_RETRY_S", default=10.0)
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = env.db_url_config(_url, engine="django.contrib.gis.db.backends.postgis")
    DATABASES[f"replica{_n}"] = _replica | {
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": DATABASES["default"]["OPTIONS"] | {"connect_timeout": REPLICA_CONNECT_TIMEOUT_S},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["layers.replicas.ReplicaRouter"]
# PgBouncer in transaction pooling mode in front of the database (README "PgBouncer"): no server-side
# cursors (they live beyond a transaction). Prepared statements are off already: Django gives psycopg
# prepare_threshold=None unless OPTIONS says otherwise.
if env.bool("DATABASE_PGBOUNCER", default=False):
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
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
VENDOR_PACKAGES = ["ol", "maplibre-gl", "swagger-ui-dist", "@fontsource/noto-sans", "leaflet"]
STATICFILES_DIRS += [
    ("vendor/" + name, NODE_MODULES_DIR / name) for name in VENDOR_PACKAGES if (NODE_MODULES_DIR / name).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Where `make backup` writes (layers.backups): outside var/, which `make reset` deletes.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")

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
    # DRF's parsers with the limits and text checks of layers.guards (REQUEST_* below).
    "DEFAULT_PARSER_CLASSES": [
        "layers.parsers.JSONParser", "layers.parsers.FormParser", "layers.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Geo IOC API",
    "DESCRIPTION": "Layer catalog, GeoJSON features and tiles of the provincial operations center.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Operation ids are named from the path after /api/ (`layers_list`), whatever else is documented.
    "SCHEMA_PATH_PREFIX": r"/api/",
    # The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar is not used).
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
    # The `Error` component, its `code` an enum of the error-code registry, as every default response.
    # geo_ioc.openapi first: the plain views it documents get the default error response too.
    # One name per choice set, the names clients were generated with kept: a set several serializers
    # use (or two one-value sets, GeoJSON's `type`) would otherwise get a hashed name like Type2a9Enum.
    "ENUM_NAME_OVERRIDES": {
        "AccessEnum": "layers.models.Access", "StatusEnum": "monitoring.models.AlertStatus.values",
        "LevelEnum": "monitoring.models.UnitLevel.values", "ProximityRequestModeEnum": "analysis.tool_views.MODES",
        "SubmissionStatusEnum": "monitoring.models.SubmissionStatus.values",
        "SubmissionProblemEnum": "monitoring.submissions.PROBLEM_CODES", "StateEnum": "monitoring.freshness.STATES",
        "FeatureTypeEnum": ["Feature"], "FeatureCollectionTypeEnum": ["FeatureCollection"],
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "geo_ioc.openapi.document_plain_views",
                             "layers.error_codes.openapi_errors"],
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Reports turn overdue as deadlines pass (feedback.overdue): the map shows it within a minute.
    "feedback-flag-overdue": {"task": "feedback.flag_overdue", "schedule": 60.0},
}

# The province the platform serves, as minLon,minLat,maxLon,maxLat in WGS 84 (default Long An): where
# the dashboard opens, what a wall map without a bbox of its own shows, what tile seeding covers by
# default, and where imports look first for a file's CRS. Its centre follows (layers/extent.py).
PROVINCE_BOUNDS = env.list("PROVINCE_BOUNDS", cast=float, default=[105.49, 10.39, 106.76, 11.04])

# Layers: paging of the GeoJSON API.
LAYERS_PAGE_DEFAULT = env.int("LAYERS_PAGE_DEFAULT", default=10000)
LAYERS_PAGE_MAX = env.int("LAYERS_PAGE_MAX", default=50000)
# Health check: how long to wait for a Celery worker to answer a ping.
HEALTHZ_CELERY_TIMEOUT = env.float("HEALTHZ_CELERY_TIMEOUT", default=2.0)

# Planners' zones: the layer they are saved in (whoever may write it edits zones: the stewards of its
# owning department, layers.access), the district layer that names a zone's district, and the most
# vertices a zone or any other posted polygon (a summary's) may have: the one limit of layers.polygons.
LAYERS_ZONES_LAYER = env.str("LAYERS_ZONES_LAYER", default="planning-zones")
LAYERS_ZONE_DISTRICTS_LAYER = env.str("LAYERS_ZONE_DISTRICTS_LAYER", default="admin-districts")
LAYERS_ZONE_MAX_VERTICES = env.int("LAYERS_ZONE_MAX_VERTICES", default=20_000)

# Dashboard: the print layout (dashboard.print). The map image the browser posts is at most this many
# bytes and pixels a side (an A3 landscape map at 150 dpi is about 1,860 × 1,550 px, 3–6 MB as PNG).
DASHBOARD_PRINT_MAX_IMAGE_BYTES = env.int("DASHBOARD_PRINT_MAX_IMAGE_BYTES", default=32 * 1024 * 1024)
DASHBOARD_PRINT_MAX_IMAGE_SIDE = env.int("DASHBOARD_PRINT_MAX_IMAGE_SIDE", default=6000)

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
# Wide and odd files. Properties a layer may have: every one is a column of each tile's statement
# (PostgreSQL's target lists stop at 1,664) and an entry of the catalog; a wider file is refused.
LAYERS_MAX_PROPERTIES = env.int("LAYERS_MAX_PROPERTIES", default=500)
# Live observations (layers.observations): the most rows one POST carries, and the shortest time
# between two version bumps of a layer under a stream (later writes share one deferred bump).
LAYERS_OBSERVATIONS_MAX_BATCH = env.int("LAYERS_OBSERVATIONS_MAX_BATCH", default=1000)
LAYERS_OBSERVATIONS_PUBLISH_INTERVAL = env.float("LAYERS_OBSERVATIONS_PUBLISH_INTERVAL", default=1.0)
# Degrees a coordinate may lie past ±180/±90 and be clamped onto the limit (a rounding error, such as
# Natural Earth's 180.00000000000006) rather than refused.
LAYERS_IMPORT_COORDINATE_TOLERANCE = env.float("LAYERS_IMPORT_COORDINATE_TOLERANCE", default=1e-9)

# Layer history (layers.history): how many replaced versions of a layer are kept for a rollback, how
# many days a deleted layer can be restored, and how often (seconds) the sweeper drops what is past
# both and the tables of import jobs that died and were never retried.
LAYERS_KEEP_VERSIONS = env.int("LAYERS_KEEP_VERSIONS", default=3)
LAYERS_DELETED_GRACE_DAYS = env.int("LAYERS_DELETED_GRACE_DAYS", default=30)
LAYERS_SWEEP_INTERVAL_S = env.int("LAYERS_SWEEP_INTERVAL_S", default=3600)
# An import job still queued after this many seconds, and run by no worker, is sent to the broker
# again (its message was lost: the broker was down when it was accepted); checked every
# LAYERS_REQUEUE_INTERVAL_S.
LAYERS_REQUEUE_AFTER_S = env.int("LAYERS_REQUEUE_AFTER_S", default=60)
LAYERS_REQUEUE_INTERVAL_S = env.int("LAYERS_REQUEUE_INTERVAL_S", default=30)
# Periodic work, run by `celery beat` (make run starts it).
# One schedule, added to by each app's settings below (an assignment here would drop the others').
CELERY_BEAT_SCHEDULE |= {
    "layers-sweep": {"task": "layers.sweep", "schedule": float(LAYERS_SWEEP_INTERVAL_S)},
    "layers-requeue-imports": {"task": "layers.requeue_imports", "schedule": float(LAYERS_REQUEUE_INTERVAL_S)},
}
# Properties a vector tile carries per feature (the schema's first ones): a layer made wider than
# LAYERS_MAX_PROPERTIES (before the limit, or by the admin) still gets tiles.
TILES_MAX_ATTRIBUTES = env.int("TILES_MAX_ATTRIBUTES", default=500)
# A job whose worker died is taken back by the broker after this many seconds (Redis transport);
# the job's advisory lock makes a second delivery of a running job harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}

# Citizen feedback 1022 (feedback/): the layer its reports are published on, the commune layer that
# places them (feedback.places), and the department whose members are the 1022 operators.
FEEDBACK_LAYER = env.str("FEEDBACK_LAYER", default="feedback-1022")
FEEDBACK_COMMUNES_LAYER = env.str("FEEDBACK_COMMUNES_LAYER", default="admin-communes")
FEEDBACK_OPERATORS_DEPARTMENT = env.str("FEEDBACK_OPERATORS_DEPARTMENT", default="000.00.01.H39")
FEEDBACK_REQUESTS_PAGE_MAX = env.int("FEEDBACK_REQUESTS_PAGE_MAX", default=1000)
# How long a process keeps the holiday table of the working-time clock (feedback.sla.holiday_dates);
# an admin's edit shows in its own process at once, in the others within this many seconds.
FEEDBACK_HOLIDAYS_MAX_AGE = env.float("FEEDBACK_HOLIDAYS_MAX_AGE", default=60.0)

# Dashboard: the "today" overview (dashboard.overview) counts incidents on one layer and the stations
# over a limit on another (distinct stations among the readings matching the filter); the map shows
# these layers for that view, over the overview's window, instead of every report of the demo years.
DASHBOARD_OVERVIEW_INCIDENTS_LAYER = env.str("DASHBOARD_OVERVIEW_INCIDENTS_LAYER", default="traffic-incidents")
DASHBOARD_OVERVIEW_LIMIT_LAYER = env.str("DASHBOARD_OVERVIEW_LIMIT_LAYER", default="salinity-readings")
DASHBOARD_OVERVIEW_LIMIT_FILTER = {"above_rice_limit": True}
DASHBOARD_OVERVIEW_STATION_PROPERTY = "station_code"
DASHBOARD_OVERVIEW_STATION_NAME = "station_name"
# Not the salinity readings too: their "over the limit" red and a serious incident's would look alike
# (layers.palette); the stations' card says how many, and the map shows them on demand.
DASHBOARD_OVERVIEW_LAYERS = ("feedback-1022", "traffic-incidents")

# Wall. WALL_NOW pins "now" for time windows (RFC 3339 with an offset; empty = the real clock);
# the demo scenes carry their own as-of time, since the demo data is from 2022.
WALL_NOW = env.str("WALL_NOW", default="")
WALL_STATE_POLL_MS = env.int("WALL_STATE_POLL_MS", default=1000)
WALL_DATA_POLL_MS = env.int("WALL_DATA_POLL_MS", default=3_000)
WALL_DEFAULT_PLAYLIST = env.str("WALL_DEFAULT_PLAYLIST", default="long-an-ioc")
# A display signed in with ?token= stays signed in this long (or until its token is deleted).
WALL_DISPLAY_SESSION_DAYS = env.int("WALL_DISPLAY_SESSION_DAYS", default=365)

# Requests: what a caller may send, enforced by layers.guards and layers.parsers so that Django
# answers in the error shape. gunicorn's own limits (geo_ioc/gunicorn_conf.py) are set above these.
# Path plus query string, in characters (414 above it); browsers and proxies go to about 8 KB.
REQUEST_MAX_URL_LENGTH = env.int("REQUEST_MAX_URL_LENGTH", default=4096)
# Header count and the longest header value in bytes (431 above either); gunicorn's defaults.
REQUEST_MAX_HEADERS = env.int("REQUEST_MAX_HEADERS", default=100)
REQUEST_MAX_HEADER_BYTES = env.int("REQUEST_MAX_HEADER_BYTES", default=8190)
# A JSON body: a zone of LAYERS_ZONE_MAX_VERTICES vertices, pretty-printed, is about 1.5 MB.
REQUEST_JSON_MAX_BYTES = env.int("REQUEST_JSON_MAX_BYTES", default=4 * 1024 * 1024)
# Nesting of a JSON body: GeoJSON needs 5 levels; Python's parser itself fails near 1,000.
REQUEST_JSON_MAX_DEPTH = env.int("REQUEST_JSON_MAX_DEPTH", default=64)
# A failed CSRF check answers in the error shape (a page for browsers), not Django's debug page.
CSRF_FAILURE_VIEW = "layers.errors.csrf_failure"
# Bounded work (issue #12): statement timeouts, request bodies, rate limits, sign-in lock-out, headers.
# Statement timeouts in ms (geo_ioc.statement_timeouts): the web's DB_STATEMENT_TIMEOUT_MS is read
# above, with DATABASES. Jobs (Celery, manage.py) legitimately run for minutes: a million-row COPY,
# an index build. A summary is one statement over a polygon: anonymous callers may send them.
DB_JOBS_STATEMENT_TIMEOUT_MS = env.int("DB_JOBS_STATEMENT_TIMEOUT_MS", default=30 * 60 * 1000)
LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS = env.int("LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS", default=10_000)
# A summary's zone above this many vertices is simplified, to the smallest tolerance of
# LAYERS_SUMMARY_SIMPLIFY_METRES × 4ⁿ that fits, before it is intersected (analysis.summaries).
LAYERS_SUMMARY_MAX_VERTICES = env.int("LAYERS_SUMMARY_MAX_VERTICES", default=5_000)
LAYERS_SUMMARY_SIMPLIFY_METRES = env.float("LAYERS_SUMMARY_SIMPLIFY_METRES", default=2.0)
# Zonal statistics of a raster read the zone's window at full resolution up to this many pixels (a
# 316 km² zone of the bench COG's 6 m pixels is ~11 M), else from the finest overview under it.
ANALYSIS_RASTER_MAX_PIXELS = env.int("ANALYSIS_RASTER_MAX_PIXELS", default=16_000_000)
# The administrative units coverage and aggregates count by (analysis.units) until monitoring/ provides
# versioned ones, and the property holding a unit's population.
ANALYSIS_UNITS_LAYER = env.str("ANALYSIS_UNITS_LAYER", default="admin-communes")
ANALYSIS_UNITS_POPULATION_PROPERTY = env.str("ANALYSIS_UNITS_POPULATION_PROPERTY", default="population_est")
# Features listed in a proximity answer (all are counted); a nearest query takes at most this many N.
ANALYSIS_PROXIMITY_MAX_FEATURES = env.int("ANALYSIS_PROXIMITY_MAX_FEATURES", default=2_000)
ANALYSIS_PROXIMITY_MAX_METRES = env.float("ANALYSIS_PROXIMITY_MAX_METRES", default=50_000.0)
# Security headers (geo_ioc.security_headers). Pages that may be framed with ?embed=1 (the dashboard,
# the tile preview) may be by our own origin and these (e.g. https://portal.longan.gov.vn); others never.
EMBED_ALLOWED_ORIGINS = env.list("EMBED_ALLOWED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS (behind a proxy that terminates TLS and sets X-Forwarded-Proto, overwriting any
# a client sent): cookies only travel over HTTPS, and Django knows a request came in over it.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# Rate limits of heavy endpoints (layers.rate_limits), requests per window per caller: an address when
# anonymous, an account when signed in. 0 turns one off. They count in Django's cache, a Redis
# database of its own (RATE_LIMIT_CACHE_URL); when it is down the limits fail open (reads go on).
_redis_base, _sep, _redis_db = REDIS_URL.rstrip("/").rpartition("/")
RATE_LIMIT_CACHE_URL = env.str(
    "RATE_LIMIT_CACHE_URL", default=f"{_redis_base}/1" if _redis_db.isdigit() else f"{REDIS_URL.rstrip('/')}/1"
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": RATE_LIMIT_CACHE_URL,
        # A Redis that is down must cost a request little before the limit fails open.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
RATE_LIMIT_WINDOW_SECONDS = env.int("RATE_LIMIT_WINDOW_SECONDS", default=60)
RATE_LIMIT_SUMMARY_ANONYMOUS = env.int("RATE_LIMIT_SUMMARY_ANONYMOUS", default=30)
RATE_LIMIT_SUMMARY_SIGNED_IN = env.int("RATE_LIMIT_SUMMARY_SIGNED_IN", default=120)
RATE_LIMIT_EXPORT_ANONYMOUS = env.int("RATE_LIMIT_EXPORT_ANONYMOUS", default=10)
RATE_LIMIT_EXPORT_SIGNED_IN = env.int("RATE_LIMIT_EXPORT_SIGNED_IN", default=60)
RATE_LIMIT_SEARCH_ANONYMOUS = env.int("RATE_LIMIT_SEARCH_ANONYMOUS", default=60)
RATE_LIMIT_SEARCH_SIGNED_IN = env.int("RATE_LIMIT_SEARCH_SIGNED_IN", default=300)
# Proxies in front of the app that append to X-Forwarded-For. 0: X-Forwarded-For is never trusted
# (a client can write anything there) and the caller is REMOTE_ADDR.
RATE_LIMIT_TRUSTED_PROXIES = env.int("RATE_LIMIT_TRUSTED_PROXIES", default=0)
# Sign-in lock-out (geo_ioc.sign_in): after this many failed sign-ins within LOGIN_LOCKOUT_SECONDS
# for one account, or from one address (higher: an office shares one address), sign-in is refused
# until the window ends. A successful sign-in clears the account's count.
LOGIN_LOCKOUT_ACCOUNT_FAILURES = env.int("LOGIN_LOCKOUT_ACCOUNT_FAILURES", default=5)
LOGIN_LOCKOUT_ADDRESS_FAILURES = env.int("LOGIN_LOCKOUT_ADDRESS_FAILURES", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Request bodies: JSON and form bodies are read into memory up to this size (a 20,000-vertex polygon
# is about 0.8 MB of GeoJSON); uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE stream to disk, and
# imports have their own cap (LAYERS_IMPORT_MAX_UPLOAD_BYTES). Past them: 413 / 400 in the error shape.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=4 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# Monitoring: the most rows one submission (CSV, XLSX or JSON) may hold, and the largest upload.
MONITORING_MAX_ROWS = env.int("MONITORING_MAX_ROWS", default=100_000)
MONITORING_MAX_UPLOAD_BYTES = env.int("MONITORING_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Alerts: how often the beat looks for rules that are due (their interval ran out, or the layer or
# indicator they watch has a new version), so new data is evaluated within this many seconds.
MONITORING_ALERTS_POLL_SECONDS = env.float("MONITORING_ALERTS_POLL_SECONDS", default=5.0)
# Alert notifications: e-mail through Django's SMTP backend (EMAIL_*), webhooks signed with their
# channel's secret. A delivery is tried this many times with a doubling pause from 10 s; a webhook
# failing this many times in a row is disabled (shown so in the admin) until someone enables it.
MONITORING_DELIVERY_ATTEMPTS = env.int("MONITORING_DELIVERY_ATTEMPTS", default=5)
MONITORING_WEBHOOK_MAX_FAILURES = env.int("MONITORING_WEBHOOK_MAX_FAILURES", default=5)
MONITORING_WEBHOOK_TIMEOUT = env.float("MONITORING_WEBHOOK_TIMEOUT", default=5.0)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Geo IOC <canh-bao@geo-ioc.local>")
CELERY_BEAT_SCHEDULE |= {
    "monitoring-evaluate-alerts": {"task": "monitoring.evaluate_alerts", "schedule": MONITORING_ALERTS_POLL_SECONDS},
}

# OGC API: the largest page of /ogc/…/items (a larger limit is capped, as the standard allows). Its
# JSON pages are streamed from a server-side cursor, so memory does not grow with it; the bound is the
# time one request holds a database connection (~1 s for 100,000 points on a loaded 2-core machine).
OGC_PAGE_MAX = env.int("OGC_PAGE_MAX", default=100_000)
