"""Brand names found in OCR lines and transcripts: spelling, spacing, small errors, and
no hit inside a longer word or on a distant word."""

import random

import pytest

from functions.brand_text import BrandMatcher, allowed_edits, normal_words
from mediacore.schema import Word

TERMS = {
    "coca-cola": ["Coca-Cola", "coca cola", "Coke"],
    "visa": ["Visa"],
    "heineken": ["Heineken"],
    "hp": ["HP"],
    "mercedes-benz": ["Mercedes-Benz", "mercedes benz", "Mercedes"],
}


@pytest.mark.parametrize(
    ("line", "brand"),
    [
        ("Drink COCA-COLA today", "coca-cola"),
        ("cocacola", "coca-cola"),
        ("Coca Cola", "coca-cola"),
        ("C0CA-C0LA", "coca-cola"),  # OCR reads o as 0
        ("Heinekon", "heineken"),  # one OCR error in 8 letters
        ("HElNEKEN", "heineken"),  # I read for l
        ("Sponsored by Mercedes-Benz", "mercedes-benz"),
        ("Pay with VISA.", "visa"),
        ("Crème Coke", "coca-cola"),
    ],
)
def test_brand_found_in_a_line(line, brand):
    assert {m.brand for m in BrandMatcher(TERMS).in_text(line)} == {brand}


@pytest.mark.parametrize(
    "line",
    ["Visage studio", "Visas", "hpe", "Heineman street", "Cola", "Heinz", "Cocoa"],
)
def test_no_brand_in_a_near_word(line):
    assert BrandMatcher(TERMS).in_text(line) == []


def test_the_longest_term_takes_the_words():
    matches = BrandMatcher(TERMS).in_text("Mercedes-Benz")
    assert [(m.brand, m.term) for m in matches] == [("mercedes-benz", "Mercedes-Benz")]


def test_allowed_edits_grow_with_length():
    assert [allowed_edits(n) for n in (2, 4, 5, 9, 10, 14)] == [0, 0, 1, 1, 2, 2]


def test_mentions_are_timed_by_their_words_and_scored_by_probability():
    words = [
        Word(word=" We", start=10.0, end=10.2, probability=0.9),
        Word(word=" drink", start=10.2, end=10.5, probability=0.9),
        Word(word=" Coca", start=10.5, end=10.9, probability=0.8),
        Word(word="-Cola.", start=10.9, end=11.3, probability=0.6),
        Word(word=" Visa", start=12.0, end=12.4, probability=0.05),
    ]
    matcher = BrandMatcher(TERMS)
    mentions = matcher.in_words(words)
    assert [(m.brand, m.start, m.end, m.text) for m in mentions] == [
        ("coca-cola", 10.5, 11.3, "Coca-Cola."),
        ("visa", 12.0, 12.4, "Visa"),
    ]
    assert mentions[0].score == pytest.approx(0.7)
    assert [m.brand for m in matcher.in_words(words, min_probability=0.1)] == ["coca-cola"]


def test_random_spellings_of_random_names_are_found_and_strangers_are_not():
    """Names drawn by seed, each written with random case, spacing and punctuation, and
    one letter changed when long enough to allow it."""
    rng = random.Random(18)
    letters = "abcdefghjkmnpqrtuvwxyz"
    names = {"".join(rng.choice(letters) for _ in range(rng.randint(5, 14))) for _ in range(200)}
    matcher = BrandMatcher({n: [n] for n in names})
    missed = []
    for name in sorted(names):
        written = list(name.upper() if rng.random() < 0.5 else name.capitalize())
        if len(name) >= 9:
            written[rng.randrange(len(written))] = rng.choice(letters)
        cut = rng.randrange(1, len(written))
        joint = rng.choice(["", " ", "-", "."])
        text = f"new {''.join(written[:cut])}{joint}{''.join(written[cut:])} sale"
        if name not in {m.brand for m in matcher.in_text(text, ocr=False)}:
            missed.append(text)
    assert not missed
    strangers = ["".join(rng.choice(letters) for _ in range(10)) for _ in range(200)]
    assert not [s for s in strangers if matcher.in_text(s, ocr=False)]


def test_normal_words():
    assert normal_words("Ben & Jerry's — CAFÉ") == ["ben", "and", "jerry", "s", "cafe"]
    assert normal_words("GentooFewQuestions YouTube") == [
        "gentoo",
        "few",
        "questions",
        "you",
        "tube",
    ]


def test_a_brand_glued_to_the_next_word_is_found():
    matcher = BrandMatcher({"gentoo": ["Gentoo"], "youtube": ["YouTube"]})
    assert [m.brand for m in matcher.in_text("GentooFewQuestions", ocr=False)] == ["gentoo"]
    assert [m.brand for m in matcher.in_text("watch on Youtube", ocr=False)] == ["youtube"]


def test_a_near_brand_of_nine_letters_is_not_taken_for_another():
    assert BrandMatcher({"treehouse": ["Treehouse"]}).in_text("Greenhouse") == []


def test_hotwords_are_the_terms_as_written():
    assert BrandMatcher({"hp": ["HP", "hp"]}).hotwords() == ["HP"]


def _said(text: str) -> list[Word]:
    return [
        Word(word=f" {w}", start=float(i), end=i + 0.5, probability=0.5)
        for i, w in enumerate(text.split())
    ]


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("brought to you by Toddus. We ask.", "todoist"),  # heard on the signals bench
        ("have been using Koda", "qodo"),
    ],
)
def test_a_rare_name_written_by_ear_is_a_mention(text, brand):
    matcher = BrandMatcher({"todoist": ["Todoist"], "qodo": ["Qodo"]})
    (mention,) = matcher.in_words(_said(text))
    assert mention.brand == brand and mention.score < 0.5  # below a spelled match


@pytest.mark.parametrize(
    "text",
    [
        "The coda of the song",  # not a name: lower case
        "Koda was here",  # a sentence's first word
        "Ask Kedro about it",  # sounds unlike
        "the kitten Behind the ceiling",  # a common word (signals bench: not Behance)
    ],
)
def test_sounding_alike_needs_a_name_in_mid_sentence(text):
    terms = {"qodo": ["Qodo"], "shikimori": ["Shikimori"], "behance": ["Behance"]}
    assert BrandMatcher(terms).in_words(_said(text)) == []


def test_text_is_never_matched_by_sound():
    assert BrandMatcher({"qodo": ["Qodo"]}).in_text("using Koda") == []


def test_brands_glued_into_one_word_are_an_echo_of_the_prompt_not_mentions():
    matcher = BrandMatcher({"vimeo": ["Vimeo"], "livestream": ["Livestream"]})
    assert matcher.in_words(_said("VimeoLivestream")) == []
    assert [m.brand for m in matcher.in_words(_said("watch Vimeo and Livestream"))] == [
        "vimeo", "livestream"
    ]  # fmt: skip


def test_a_common_word_said_is_not_a_near_spelling_of_a_brand():
    """Whisper wrote "Radar" where "Radar" was said (signals bench: two false Radarr);
    the exact name said still counts, also when it is a common word, and on screen the
    near spelling is an OCR error to forgive."""
    matcher = BrandMatcher({"radarr": ["Radarr"], "uber": ["Uber"], "spreaker": ["Spreaker"]})
    assert matcher.in_words(_said("the Radar shows rain")) == []
    assert [m.brand for m in matcher.in_words(_said("book an Uber now"))] == ["uber"]
    assert [m.brand for m in matcher.in_words(_said("check out Spreakr"))] == ["spreaker"]
    assert [m.brand for m in matcher.in_text("RADAR")] == ["radarr"]


def _timed(*said: tuple[str, float, float, float]) -> list[Word]:
    return [Word(word=f" {w}", start=a, end=b, probability=p) for w, a, b, p in said]


def test_a_run_of_doubtful_brand_names_is_an_echo_of_the_prompt():
    """Heard at a window's end over "that distant hammer cleaned the tunnel" (signals
    bench): three brands one after another, none said. Said brands next to each other
    with a sure probability, or a pause apart, stay."""
    matcher = BrandMatcher({b: [b] for b in ("Apple", "Odido", "Adidas", "Pepsi", "Fanta")})
    echo = _timed(("tunnel", 16.7, 17.0, 0.8), ("Apple", 17.03, 17.75, 0.0),
                  ("Odido", 17.75, 17.94, 0.0), ("Adidas", 17.94, 18.3, 0.06))  # fmt: skip
    assert matcher.in_words(echo) == []
    said = _timed(("Pepsi", 1.0, 1.4, 0.9), ("Fanta", 1.45, 1.9, 0.8))
    assert [m.brand for m in matcher.in_words(said)] == ["Pepsi", "Fanta"]
    apart = _timed(("Pepsi", 1.0, 1.4, 0.1), ("Fanta", 2.0, 2.4, 0.1))
    assert [m.brand for m in matcher.in_words(apart)] == ["Pepsi", "Fanta"]


def test_a_doubtful_name_shorter_than_saying_it_takes_is_an_echo():
    matcher = BrandMatcher({"vespa": ["Vespa"], "apple": ["Apple"]})
    assert matcher.in_words(_timed(("Vespa", 3.9, 3.9, 0.02))) == []
    assert [m.brand for m in matcher.in_words(_timed(("Vespa", 3.9, 4.4, 0.02)))] == ["vespa"]
    # Placed past the window's end (no time at all): never said there, however sure.
    lt = BrandMatcher({"libretranslate": ["LibreTranslate"]})
    assert lt.in_words(_timed(("LibreTranslate", 19.95, 19.95, 0.5))) == []
    # Said clearly, a short word is a name all the same.
    assert [m.brand for m in matcher.in_words(_timed(("Apple", 1.6, 1.8, 0.98)))] == ["apple"]


def test_one_name_over_and_over_is_whisper_in_a_loop():
    """Over music Whisper wrote "Moodle" five times, the last ones sure (0.76-0.91)."""
    matcher = BrandMatcher({"moodle": ["Moodle"]})
    loop = _timed(*[("Moodle", 20.0 + i * 0.5, 20.4 + i * 0.5, 0.9) for i in range(4)])
    assert matcher.in_words(loop) == []
    twice = _timed(("Moodle", 1.0, 1.4, 0.9), ("Moodle", 1.5, 1.9, 0.9))
    assert len(matcher.in_words(twice)) == 2
