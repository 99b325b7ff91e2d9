from django.contrib import admin

from analysis.models import ComplianceRule


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "title_vi", "kind", "layer", "severity", "active")
    list_filter = ("kind", "severity", "active")
    search_fields = ("code", "title_vi", "title_en", "layer")
