"""Accent-free search over feature names: "tan an" finds "Thành phố Tân An", "duc hoa" finds "Đức Hòa".

`unaccent` folds Vietnamese letters (including Đ/đ) to ASCII; it is not IMMUTABLE because its
dictionary could change, so an IMMUTABLE wrapper naming the dictionary explicitly is what an index
may use. The trigram index serves `LIKE '%…%'` on the folded name, so search stays an index scan on
a layer of a million features.

It lives in the dashboard app, whose search box needs it, so that it never competes for a number in
the layers app's migration graph while other features add migrations there.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION layers_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

-- What a feature is found by: its name, a road's ref, a station's or unit's code.
CREATE FUNCTION layers_search_text(jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT layers_fold(concat_ws(' ', $1 ->> 'name', $1 ->> 'ref', $1 ->> 'code')) $$;

CREATE INDEX feature_search_text_trgm ON layers_feature
    USING gin (layers_search_text(properties) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS feature_search_text_trgm;
DROP FUNCTION IF EXISTS layers_search_text(jsonb);
DROP FUNCTION IF EXISTS layers_fold(text);
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = [("layers", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
