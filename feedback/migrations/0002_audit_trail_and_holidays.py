"""The audit trail is append-only (a trigger refuses UPDATE and DELETE of a step, whoever asks), and
the holiday table starts with Vietnam's public holidays 2022–2026 (weekdays off, Tết included;
edited in the admin as the government moves days)."""

from datetime import date

from django.db import migrations

HOLIDAYS = {
    "Tết Dương lịch": ["2022-01-03", "2023-01-02", "2024-01-01", "2025-01-01", "2026-01-01"],
    "Tết Nguyên đán": ["2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04",
                       "2023-01-20", "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26",
                       "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",
                       "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
                       "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"],
    "Giỗ Tổ Hùng Vương": ["2022-04-11", "2023-05-02", "2024-04-18", "2025-04-07", "2026-04-27"],
    "Ngày Chiến thắng và Quốc tế Lao động": [
        "2022-05-02", "2022-05-03", "2023-05-01", "2023-05-03", "2024-04-29", "2024-04-30", "2024-05-01",
        "2025-04-30", "2025-05-01", "2025-05-02", "2026-04-30", "2026-05-01"],
    "Quốc khánh": ["2022-09-01", "2022-09-02", "2023-09-01", "2023-09-04", "2024-09-02", "2024-09-03",
                   "2025-09-01", "2025-09-02", "2026-09-01", "2026-09-02"],
}
ENGLISH = {"Tết Dương lịch": "New Year's Day", "Tết Nguyên đán": "Lunar New Year (Tết)",
           "Giỗ Tổ Hùng Vương": "Hùng Kings' Commemoration", "Quốc khánh": "National Day",
           "Ngày Chiến thắng và Quốc tế Lao động": "Reunification Day and Labour Day"}


def add_holidays(apps, schema_editor):
    Holiday = apps.get_model("feedback", "Holiday")
    for name, days in HOLIDAYS.items():
        for day in days:
            Holiday.objects.get_or_create(date=date.fromisoformat(day),
                                          defaults={"name_vi": name, "name_en": ENGLISH[name]})


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [
        migrations.RunSQL(
            """
            CREATE FUNCTION feedback_transition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit trail of a 1022 report is append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER feedback_transition_append_only BEFORE UPDATE OR DELETE ON feedback_transition
                FOR EACH ROW EXECUTE FUNCTION feedback_transition_append_only();
            """,
            """
            DROP TRIGGER feedback_transition_append_only ON feedback_transition;
            DROP FUNCTION feedback_transition_append_only();
            """,
        ),
        migrations.RunPython(add_holidays, migrations.RunPython.noop),
    ]
