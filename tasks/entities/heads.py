"""Head nouns that open a longer name: an organisation's (party, council, army) and a place's (street, airport).

``repair`` reads a name after one of them as part of the longer name; ``mentions`` cuts a clitic off
one of them as it would off a known name (bi-Jami'at al-Qahira, "at Cairo University").
"""

from __future__ import annotations

from khabar.tasks.normalise import match_form

# Head nouns of organisations' names, written in the construct state (no article) before the rest of the
# name: party, council, university, organisation, union, institute, front, coalition, brigade ...
# ANERcorp counts them in the name (hizb 71 times first word of an ORG, never before one).
ORG_HEADS = frozenset(match_form(w) for w in (
    "\u062d\u0632\u0628",  # hizb, party
    "\u0645\u062c\u0644\u0633",  # majlis, council
    "\u062c\u0627\u0645\u0639\u0629",  # jami'a, university
    "\u0645\u0646\u0638\u0645\u0629",  # munazzama, organisation
    "\u0627\u062a\u062d\u0627\u062f",  # ittihad, union
    "\u0645\u0639\u0647\u062f",  # ma'had, institute
    "\u062a\u0646\u0638\u064a\u0645",  # tanzim, organisation (of a group)
    "\u062c\u0628\u0647\u0629",  # jabha, front
    "\u0627\u0626\u062a\u0644\u0627\u0641",  # i'tilaf, coalition
    "\u0644\u0648\u0627\u0621",  # liwa', brigade
    "\u062c\u064a\u0634",  # jaysh, army (Jaysh al-Islam; "the army" takes the article and is no name)
    "\u0643\u062a\u0627\u0626\u0628",  # kata'ib, battalions
    "\u0633\u0631\u0627\u064a\u0627",  # saraya, companies
    "\u0647\u064a\u0626\u0629",  # hay'a, authority
))
# Places named after people: a person's name after one of these is the place's name (King Fahd Street).
# ANERcorp leaves the head out of the place's span (madina before a LOC 85 times, never in one).
PLACE_HEADS = frozenset(match_form(w) for w in (
    "\u0634\u0627\u0631\u0639",  # shari', street
    "\u0645\u0637\u0627\u0631",  # matar, airport
    "\u0645\u064a\u062f\u0627\u0646",  # maydan, square
    "\u0645\u062f\u064a\u0646\u0629",  # madina, city
    "\u0645\u0646\u0637\u0642\u0629",  # mintaqa, area
    "\u062d\u064a",  # hayy, quarter
    "\u062c\u0633\u0631",  # jisr, bridge
    "\u0645\u064a\u0646\u0627\u0621",  # mina', port
    "\u0628\u0644\u062f\u0629",  # balda, town
    "\u0642\u0631\u064a\u0629",  # qarya, village
    "\u0636\u0627\u062d\u064a\u0629",  # dahiya, suburb
))

HEADS = ORG_HEADS | PLACE_HEADS
