"""Plausible Long An plan-compliance rules (Luật Đất đai 2024 on rice land, Law on Environmental
Protection 2020 buffers, the Láng Sen Ramsar wetland), editable in the admin afterwards."""

from django.db import migrations

INDUSTRY_NEAR = ("industrial",)
BUILDING = ("industrial", "residential", "infrastructure")
RULES = [
    dict(code="cong-nghiep-tren-dat-lua", title_vi="Công nghiệp trên đất trồng lúa theo quy hoạch",
         title_en="Industry on planned rice land", uses=["industrial"], kind="overlap", layer="land-use-plan",
         property="land_class", values=["lua"], severity="conflict"),
    dict(code="cong-nghiep-tren-dat-o", title_vi="Công nghiệp trên đất ở: cần phương án tái định cư",
         title_en="Industry on residential land: resettlement plan needed", uses=["industrial"], kind="overlap",
         layer="land-use-plan", property="land_class", values=["dat_o"], severity="condition"),
    dict(code="nha-o-trong-khu-cong-nghiep", title_vi="Nhà ở trong đất khu công nghiệp",
         title_en="Housing on industrial park land", uses=["residential"], kind="overlap", layer="land-use-plan",
         property="land_class", values=["cong_nghiep"], severity="conflict"),
    dict(code="rung-tram-dat-ngap-nuoc", title_vi="Xây dựng trong rừng tràm, đất ngập nước (Láng Sen)",
         title_en="Building in the melaleuca forest and wetland (Láng Sen)",
         uses=["industrial", "residential", "infrastructure", "agriculture"], kind="overlap", layer="land-use-plan",
         property="land_class", values=["rung_tram"], severity="conflict"),
    dict(code="du-lich-trong-rung-tram", title_vi="Du lịch trong rừng tràm, đất ngập nước: chỉ du lịch sinh thái",
         title_en="Tourism in the melaleuca forest and wetland: eco-tourism only", uses=["tourism"], kind="overlap",
         layer="land-use-plan", property="land_class", values=["rung_tram"], severity="condition"),
    dict(code="cong-nghiep-cach-truong-hoc-500m", title_vi="Công nghiệp cách trường học dưới 500 m",
         title_en="Industry within 500 m of a school", uses=["industrial"], kind="distance", layer="schools",
         distance_m=500, severity="conflict"),
    dict(code="cong-nghiep-cach-co-so-y-te-500m", title_vi="Công nghiệp cách cơ sở y tế dưới 500 m",
         title_en="Industry within 500 m of a health facility", uses=["industrial"], kind="distance",
         layer="health-facilities", distance_m=500, severity="conflict"),
    dict(code="ngap-sau-tren-1m", title_vi="Ngập lũ sâu trên 1 m trên hơn 10% diện tích: phải tôn nền",
         title_en="Flood depth above 1 m over more than 10% of the area: raise the ground",
         uses=list(BUILDING), kind="raster_above", layer="flood-depth", threshold=1.0, max_share=0.1,
         severity="condition"),
    dict(code="ty-le-dat-lua-bao-ve", title_vi="Chuyển đổi hơn 30% diện tích là đất lúa cần Thủ tướng chấp thuận",
         title_en="Converting more than 30% rice land needs the Prime Minister's approval",
         uses=["residential", "tourism", "infrastructure"], kind="overlap", layer="land-use-plan",
         property="land_class", values=["lua"], max_share=0.3, severity="condition"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("analysis", "ComplianceRule")
    for rule in RULES:
        Rule.objects.update_or_create(code=rule["code"], defaults=rule)


def unseed(apps, schema_editor):
    apps.get_model("analysis", "ComplianceRule").objects.filter(code__in=[r["code"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("analysis", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
