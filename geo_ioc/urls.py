from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from geo_ioc import sign_in
from geo_ioc.health import healthz
from layers import export_views, history_views, import_views, pages, views
from tiles import raster_views

api = [
    path("layers/", views.LayerList.as_view(), name="layer-list"),
    path("layers/<slug:slug>/", views.LayerDetail.as_view(), name="layer-detail"),
    path("layers/<slug:slug>/history/", history_views.LayerHistory.as_view(), name="layer-history"),
    path("layers/<slug:slug>/rollback/", history_views.LayerRollback.as_view(), name="layer-rollback"),
    path("layers/<slug:slug>/restore/", history_views.LayerRestore.as_view(), name="layer-restore"),
    path("layers/<slug:slug>/features/", views.FeatureCollection.as_view(), name="layer-features"),
    path("layers/<slug:slug>/observations/", views.Observations.as_view(), name="layer-observations"),
    path("layers/<slug:slug>/features/<str:feature_id>/", views.FeatureDetail.as_view(), name="layer-feature"),
    path("layers/<slug:slug>/export.<str:fmt>", export_views.LayerExport.as_view(), name="layer-export"),
    path("layers/<slug:slug>/raster.tif", raster_views.RasterFile.as_view(), name="layer-raster"),
    path("layers/<slug:slug>/value", raster_views.PointValue.as_view(), name="layer-value"),
    path("exports/<int:export_id>/", export_views.ExportDetail.as_view(), name="export-detail"),
    path("exports/<int:export_id>/download", export_views.ExportDownload.as_view(), name="export-download"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split: its initialising script comes from a URL of its own, not inline (geo_ioc.security_headers).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    # First: a map asks for tiles by the hundred, and each request tries the patterns above its own.
    path("tiles/", include("tiles.urls")),
    path("", include("dashboard.urls")),
    path("catalog/", pages.home, name="catalog"),
    path("api/", include(api)),
    path("api/imports/", include("layers.import_urls")),
    path("imports/", import_views.import_page, name="import-page"),
    path("api/", include("layers.spatial_urls")),
    path("wall/", include("wall.urls")),
    path("api/wall/", include("wall.api_urls")),
    path("api/", include("monitoring.api_urls")),
    path("monitoring/", include("monitoring.urls")),
    path("api/", include("feedback.api_urls")),
    path("feedback/", include("feedback.urls")),
    path("open311/", include("feedback.open311_urls")),
    path("api/", include("analysis.api_urls")),
    path("api/", include("dashboard.api_urls")),
    path("analysis/", include("analysis.urls")),
    path("ogc/", include("ogc.urls")),
    path("data/", include("ogc.portal_urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/login/", sign_in.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

admin.site.login_form = sign_in.AdminLoginForm  # the sign-in lock-out covers /admin/login/ too

handler400 = "layers.errors.bad_request"
handler403 = "layers.errors.permission_denied"
handler404 = "layers.errors.page_not_found"
handler500 = "layers.errors.server_error"
