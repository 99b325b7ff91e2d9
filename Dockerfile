# Geo IOC as one image for every role (web, worker, beat, migrate): docker-compose.yml picks the role.

# The front-end packages (MapLibre GL JS, fonts, Swagger UI) come from npm at build time, so that the
# app serves them itself (no CDN on a government intranet). The runtime image needs no Node.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim-bookworm

# GDAL, GEOS and PROJ for GeoDjango (rasterio and pyogrio bring their own GDAL in their wheels),
# gettext for compilemessages, a font with Vietnamese glyphs for server-rendered maps, and pango for
# WeasyPrint (zone reports and printed maps as PDF).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gdal-bin libgdal32 libgeos-c1v5 libproj25 proj-data gettext fonts-noto-core \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The dependencies get a layer of their own, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        >/tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
COPY --from=assets /app/node_modules ./node_modules

# Editable, because settings find var/, static files and templates next to the code (/app).
# Static files and translations are built into the image: every container then serves the same
# files, and the migrate service has nothing to share with the web containers. The settings need
# these three variables to load; the values are placeholders that nothing connects to at build.
RUN pip install --no-deps -e . \
    && export SECRET_KEY=build-only DATABASE_URL=postgis://build@localhost/build REDIS_URL=redis://localhost/0 \
    && python manage.py compilemessages --ignore node_modules --ignore var \
    && python manage.py collectstatic --noinput \
    && useradd --system --user-group --home-dir /app --no-create-home app \
    && mkdir -p var/media \
    && chown -R app:app var

USER app
EXPOSE 8000
# Through bash, so that the image works even where the exec bit was lost (e.g. a Windows checkout).
ENTRYPOINT ["bash", "scripts/docker-entrypoint.sh"]
CMD ["web"]
