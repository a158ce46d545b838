"""Stage 1: the display form keeps what a reader needs, loses noise, and maps back to the raw input."""

from __future__ import annotations

import unicodedata

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.normalise import match_form, normalise
from khabar.tasks.normalise.charsets import BIDI_MARKS, TATWEEL, ZERO_WIDTH
from khabar.tasks.offsets import map_offset
from khabar.tasks.records import Article

# Code points, named: Arabic letters are written as escapes in code (see STYLE.md).
ALEF, ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW, ALEF_MADDA, ALEF_WASLA = (
    "\u0627",
    "\u0623",
    "\u0625",
    "\u0622",
    "\u0671",
)
BEH, TEH_MARBUTA, HEH, YEH, ALEF_MAKSURA, LAM, MEEM, SEEN = (
    "\u0628",
    "\u0629",
    "\u0647",
    "\u064a",
    "\u0649",
    "\u0644",
    "\u0645",
    "\u0633",
)
FATHA, SHADDA, HAMZA_ABOVE = "\u064e", "\u0651", "\u0654"
SALAM = SEEN + LAM + ALEF + MEEM  # a word: salam


def display(content: str, kind: str = "text", latin_digits: bool = True) -> str:
    return normalise(Article(id="n", content=content, kind=kind), latin_digits=latin_digits).text


def test_invisible_and_presentation_noise_is_removed() -> None:
    noisy = f"{SALAM[:2]}{TATWEEL}{TATWEEL}{SALAM[2:]}{ZERO_WIDTH[0]} {BIDI_MARKS[2]}{BEH}\u00ad{ALEF}\x07"
    assert display(noisy) == f"{SALAM} {BEH}{ALEF}"


def test_reader_marks_stay_in_the_display_form() -> None:
    word = f"{ALEF_HAMZA_ABOVE}{FATHA}{MEEM}{SHADDA}{TEH_MARBUTA} {ALEF_MAKSURA}"
    assert display(word) == word


def test_presentation_forms_become_base_letters() -> None:
    # BEH initial form, LAM-ALEF ligature, ALLAH ligature
    assert display("\ufe91\ufefb \ufdf2") == f"{BEH}{LAM}{ALEF} {ALEF}{LAM}{LAM}{HEH}"


def test_decomposed_hamza_is_composed() -> None:
    assert display(ALEF + HAMZA_ABOVE + LAM) == ALEF_HAMZA_ABOVE + LAM


def test_digits_become_latin_only_when_asked() -> None:
    arabic_indic = "\u0663\u066b\u0665 \u0661\u0660\u066a \u06f2\u06f0\u06f2\u06f4"
    assert display(arabic_indic) == "3.5 10% 2024"
    assert display(arabic_indic, latin_digits=False) == arabic_indic


def test_spaces_and_line_ends() -> None:
    assert display("  a\u00a0\u00a0 b \t c  \r\n  d\u2028e\r\rf  ") == "a b c\nd\ne\n\nf"


def test_html_stays_html_with_noise_references_decoded() -> None:
    page = f"<p class='x'>{SALAM}&nbsp;&nbsp;&#x200f;{BEH} &amp; &lt;b&gt; &#1633;&#1634;</p>\n  <p>x</p>"
    assert display(page, "html") == f"<p class='x'>{SALAM}  {BEH} &amp; &lt;b&gt; 12</p>\n  <p>x</p>"


def test_offsets_map_back_to_the_raw_text() -> None:
    raw = f"  {SALAM}{TATWEEL}  {ZERO_WIDTH[1]}{BEH}{ALEF}\r\n\ufefb{MEEM}\u0661"
    norm = normalise(Article(id="n", content=raw, kind="text"))
    assert norm.text == f"{SALAM} {BEH}{ALEF}\n{LAM}{ALEF}{MEEM}1"
    starts = [map_offset(norm.to_raw, i) for i in range(len(norm.text))]
    assert [raw[s] for s in starts[:4]] == list(SALAM)
    assert raw[starts[5]] == BEH and raw[starts[8]] == "\ufefb" and raw[starts[10]] == MEEM
    assert map_offset(norm.to_raw, len(norm.text)) == len(raw)


_noisy_text = st.text(
    alphabet=st.sampled_from(list(SALAM + BEH + " \n\r\t\u00a0" + TATWEEL + ZERO_WIDTH + BIDI_MARKS + "ab.")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_noisy_text)
def test_every_kept_character_maps_to_itself_in_the_raw_text(raw: str) -> None:
    norm = normalise(Article(id="n", content=raw, kind="text"))
    previous = 0
    for i, ch in enumerate(norm.text):
        src = map_offset(norm.to_raw, i)
        assert previous <= src < len(raw)
        previous = src
        if not ch.isspace():
            assert raw[src] == ch


@settings(max_examples=400, deadline=None)
@given(st.text(), st.sampled_from(["text", "html"]), st.booleans())
def test_normalisation_is_idempotent_and_never_raises(raw: str, kind: str, latin: bool) -> None:
    once = normalise(Article(id="n", content=raw, kind=kind), latin_digits=latin).text
    assert normalise(Article(id="n", content=once, kind=kind), latin_digits=latin).text == once
    assert unicodedata.is_normalized("NFC", once)
    assert TATWEEL not in once and not any(c in once for c in ZERO_WIDTH + BIDI_MARKS)
    if kind == "text":
        assert "  " not in once and "\r" not in once
        assert once == once.strip(" ")


def test_lone_surrogates_become_replacement_characters() -> None:
    assert display("a\ud800b") == "a\ufffdb"


def test_match_form_unifies_alef_yeh_teh_marbuta_and_drops_diacritics() -> None:
    assert match_form(ALEF_HAMZA_ABOVE + FATHA + MEEM + SHADDA + TEH_MARBUTA) == ALEF + MEEM + HEH
    for alef in (ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW, ALEF_MADDA, ALEF_WASLA):
        assert match_form(alef + LAM) == ALEF + LAM
    assert match_form(BEH + ALEF_MAKSURA) == BEH + YEH
    assert match_form(SALAM[:2] + TATWEEL + SALAM[2:]) == SALAM


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x0652)))
def test_match_form_agrees_with_camel_tools(word: str) -> None:
    expected = normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(word))))
    assert match_form(word) == expected.replace(TATWEEL, "")
    assert match_form(match_form(word)) == match_form(word)


def test_match_form_remembers_words_not_lines() -> None:
    """Stages share one per-process cache of words' match forms; a long line is computed, not kept."""
    import importlib

    module = importlib.import_module("khabar.tasks.normalise.normalise")
    module._word_match_form.cache_clear()
    word = ALEF_HAMZA_ABOVE + FATHA + MEEM + SHADDA + TEH_MARBUTA
    line = TATWEEL.join([SALAM + " " + BEH + ALEF_MAKSURA + " " + word] * 8)  # longer than any word
    assert match_form(word) == match_form(word) == ALEF + MEEM + HEH
    assert module._word_match_form.cache_info().hits == 1
    assert match_form(line) == module._match_form(line) == " ".join([SALAM, BEH + YEH, ALEF + MEEM + HEH]) * 8
    assert module._word_match_form.cache_info().currsize == 1  # the line was not remembered
