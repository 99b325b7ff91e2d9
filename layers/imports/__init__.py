"""Imports: a spatial file becomes a layer (sources → checks → one publishing transaction).

jobs.run is the entry point of the Celery task; submit creates and confirms jobs for the API, the
page and the command line."""
