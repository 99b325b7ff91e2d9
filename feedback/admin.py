from django.contrib import admin

from feedback.models import Category, Holiday, Report, RoutingRule, Transition


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "acknowledge_hours", "resolve_hours", "urgent_resolve_hours", "active")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name_vi", "name_en")
    date_hierarchy = "date"


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "commune_code", "department")
    list_select_related = ("category", "department")


class TransitionInline(admin.TabularInline):
    # The audit trail is append-only (a trigger refuses edits): shown, never changed here.
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "actor", "department", "at", "note", "public_response")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    # Only superusers reach the admin's reports; the workflow's steps are taken on the desk.
    list_display = ("id", "category", "status", "commune_name", "department", "received_at", "overdue")
    list_filter = ("status", "category", "overdue")
    readonly_fields = [f.name for f in Report._meta.fields]
    inlines = [TransitionInline]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
