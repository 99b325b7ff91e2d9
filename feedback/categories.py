"""The 1022 categories (Open311 services) modelled on Long An's 1022 portal, with their deadlines in
working hours and the Open311 attributes a report of each may carry. `ensure_categories` writes them
(by code) for a fresh installation and the demo world; the operators edit them in the admin."""

from dataclasses import dataclass

from django.db import transaction

from feedback.models import Category

_WHEN = {"code": "since", "datatype": "datetime", "required": False, "order": 1,
         "datatype_description": "ISO 8601", "description": "Xảy ra từ khi nào / Since when"}


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_vi: str
    name_en: str
    group_vi: str
    colour: str
    keywords: str
    attributes: tuple[dict, ...] = ()
    resolve_hours: float = 37.5


CATEGORIES = (
    CategorySpec("moi_truong", "Môi trường", "Environment", "Tài nguyên - Môi trường", "#1b9e77",
                 "rác, khói, mùi hôi, nước thải, ô nhiễm", (
                     {"code": "kind", "datatype": "singlevaluelist", "required": True, "order": 2,
                      "description": "Loại ô nhiễm / Kind of pollution",
                      "values": [{"key": "rac", "name": "Rác thải"}, {"key": "khi", "name": "Khói, mùi"},
                                 {"key": "nuoc", "name": "Nước thải"}, {"key": "on", "name": "Tiếng ồn"}]},
                     _WHEN)),
    CategorySpec("giao_thong", "Giao thông", "Traffic", "Giao thông - Vận tải", "#d95f02",
                 "ổ gà, đèn tín hiệu, quá tải, đường hư", (_WHEN,)),
    CategorySpec("do_thi", "Trật tự đô thị", "Urban order", "Xây dựng - Đô thị", "#7570b3",
                 "lấn chiếm, vỉa hè, chiếu sáng, xây dựng không phép", (_WHEN,)),
    CategorySpec("dat_dai", "Đất đai", "Land", "Tài nguyên - Môi trường", "#e7298a",
                 "tranh chấp, ranh giới, giấy chứng nhận, san lấp", (_WHEN,), resolve_hours=75),
    CategorySpec("an_ninh_trat_tu", "An ninh trật tự", "Public order", "An ninh - Trật tự", "#66a61e",
                 "tụ tập, đua xe, gây rối", (_WHEN,)),
    CategorySpec("y_te", "Y tế", "Health", "Y tế", "#e6ab02",
                 "sốt xuất huyết, dịch bệnh, vệ sinh thực phẩm", (_WHEN,)),
    CategorySpec("dien_nuoc", "Điện, nước sạch", "Power and water", "Hạ tầng", "#a6761d",
                 "mất nước, cúp điện", (_WHEN,)),
    CategorySpec("khac", "Khác", "Other", "Khác", "#666666", "thủ tục, thái độ phục vụ"),
)


@transaction.atomic
def ensure_categories() -> dict[str, Category]:
    categories = {}
    for spec in CATEGORIES:
        category, _ = Category.objects.update_or_create(code=spec.code, defaults=dict(
            name_vi=spec.name_vi, name_en=spec.name_en, group_vi=spec.group_vi, colour=spec.colour,
            keywords=spec.keywords, attributes=list(spec.attributes), resolve_hours=spec.resolve_hours))
        categories[spec.code] = category
    return categories
