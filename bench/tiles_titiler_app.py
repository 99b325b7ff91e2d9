"""titiler (titiler.core's TilerFactory) serving COGs by path, for the raster bench anchor."""

from fastapi import FastAPI
from titiler.core.factory import TilerFactory

app = FastAPI(title="bench titiler")
app.include_router(TilerFactory().router, prefix="/cog")
