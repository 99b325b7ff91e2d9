"""Titles unique per department (issue #19, point 5): a department's panel never lists "Điểm VN-2000"
five times. A new layer's title that is taken gets a visible " (2)", " (3)"… (imports); a changed title
that is taken is refused (the admin). Compared case-insensitively over both languages' titles."""

from django.db import connection

from layers.models import Layer

# Advisory lock namespace of new layers' titles, one lock per owning department (7301: import jobs,
# 7302: export jobs): two imports publishing at once cannot both take the same free title.
_LOCK_CLASS = 7303


def _taken(owner_id: int | None, *, exclude_pk: int | None = None) -> set[str]:
    owned = Layer.objects.filter(owner_id=owner_id) if owner_id else Layer.objects.filter(owner__isnull=True)
    if exclude_pk is not None:
        owned = owned.exclude(pk=exclude_pk)
    return {t.casefold() for pair in owned.values_list("title_vi", "title_en") for t in pair}


def unique_title(title: str, owner_id: int | None) -> str:
    """`title`, or `title (2)`, `title (3)`…: the first one no layer of the department holds."""
    taken = _taken(owner_id)
    if title.casefold() not in taken:
        return title
    n = 2
    while f"{title} ({n})".casefold() in taken:
        n += 1
    return f"{title} ({n})"


def claim_title(title: str, owner_id: int | None) -> str:
    """unique_title at the moment a new layer's row is written: call it in the transaction that writes
    it; the department's lock is held until that transaction ends."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, (owner_id or 0) % 2**31])
    return unique_title(title, owner_id)


def taken_title(titles: list[str], owner_id: int | None, *, exclude_pk: int | None) -> str | None:
    """The first of `titles` another layer of the department already holds, if any."""
    taken = _taken(owner_id, exclude_pk=exclude_pk)
    return next((t for t in titles if t and t.casefold() in taken), None)
