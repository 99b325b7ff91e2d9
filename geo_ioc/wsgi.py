import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_ioc.settings")
django_application = get_wsgi_application()

# Imported after Django is set up. Anonymous cache hits of tiles are answered before Django's
# request cycle; everything else goes to Django (tiles.edge says when and why).
from layers.replicas import ReadOnlyApplication  # noqa: E402
from tiles.edge import TileEdge  # noqa: E402

# A GET, HEAD or OPTIONS request, tiles.edge's answers and streamed bodies included, may read from a
# replica (DATABASE_REPLICA_URLS; layers.replicas).
application = ReadOnlyApplication(TileEdge(django_application))
