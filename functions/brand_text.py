"""Brand names in text: OCR lines read on screen and transcribed words.

A brand is known by its terms: display name, id read as words, aliases
(``mediacore.brands.BrandNames.terms``). Text and terms are compared in a
normal form that ignores case, accents, spacing and punctuation ("Coca-Cola",
"COCA COLA", "cocacola" are one), and edit distance forgives small OCR and
transcription errors, more for longer terms:

- up to 4 characters: exact only ("HP", "Visa", "3M" must be read exactly);
- 5-9 characters: one edit; 10 and longer: two.

OCR text is also compared with the usual glyph confusions folded (0/o, 1/l/i,
5/s, 8/b, rn/m). Matching runs over windows of consecutive words whose joined
length is near the term's, so a term written without spaces ("CocaCola") or
split by the transcriber ("Coca", "-Cola") is found, and a term never matches
inside a longer word ("Visa" is not in "Visage").

In speech, a rare brand name is often written by ear ("Koda" for Qodo, "Freaker" for
Spreaker): a name Whisper wrote as a proper noun (capitalised, not starting a sentence)
that *sounds* like a term (Metaphone codes at most one edit apart, exact for codes of 1-2
letters), is spelled at least half like it and is not a common English word (Zipf
frequency under 3: "Behind" is not Behance) is a mention too, scored lower. For the same
reason a common word said is not a near spelling of a term ("Radar" is not Radarr; the
exact name still is: "Uber", "Nano").

Edit distance: rapidfuzz (C++, well kept) rather than a hand-written Levenshtein;
Metaphone: jellyfish (Rust, well kept); word frequencies: wordfreq (data in the wheel).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from mediacore.schema import Mention, Word

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_OCR_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s", "8": "b", "|": "l"})
# Most words a term or a window may span (a term of 4 words still matches when one word
# is split in two by OCR or the transcriber).
_MAX_EXTRA_WORDS = 1
# A name heard by ear: spelled at least this much like the term (normalised similarity);
# its score is scaled by this factor (below a spelled match's).
SOUNDS_LIKE_SPELLING = 0.5
SOUNDS_LIKE_WEIGHT = 0.6
COMMON_WORD_ZIPF = 3.0
# A spoken mention with a mean word probability under this is doubtful: kept only when it
# is not where Whisper echoes its prompt (next to another brand, or shorter than a name
# takes to say).
DOUBTFUL_PROBABILITY = 0.35
SHORTEST_SAID_S = 0.25
TIMED_PAST_THE_END_S = 0.02  # Whisper's word times are in 0.02 s steps
RUN_PAUSE_S = 0.2  # "vimeo" 3.0, "behind" 5.3, "toddus" 0
_SENTENCE_END = (".", "?", "!", "…")


def normal_words(text: str) -> list[str]:
    """Lower-case ASCII words: accents dropped, punctuation and spacing as separators, and
    words glued in camel case parted ("GentooFewQuestions": Whisper glues words so)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = _CAMEL.sub(" ", ascii_text)
    return [w for w in _NON_ALNUM.split(ascii_text.lower().replace("&", " and ")) if w]


def allowed_edits(length: int) -> int:
    """Edits forgiven in a term of ``length`` letters: none up to 4, one up to 9, then two
    (two at 9 letters let "Greenhouse" pass for "Treehouse" on the signals bench)."""
    if length <= 4:
        return 0
    return 1 if length <= 9 else 2


def ocr_fold(compact: str) -> str:
    return compact.replace("rn", "m").translate(_OCR_FOLD)


@dataclass(frozen=True)
class Term:
    brand: str
    spelled: str  # as the user wrote it
    compact: str  # normal words joined: "cocacola"
    words: int

    @property
    def sound(self) -> str:
        return jellyfish.metaphone(self.compact)


@dataclass(frozen=True)
class TextMatch:
    brand: str
    term: str  # the brand's term that matched, as written
    found: str  # the words of the text that matched, as written there
    score: float  # 1 - edits / length
    first_word: int  # index range of the matched words in the text's words
    last_word: int


class BrandMatcher:
    """Finds the brands of ``terms`` (brand id -> ways it is written) in text and words."""

    def __init__(self, terms: dict[str, Sequence[str]]):
        self._terms: list[Term] = []
        for brand, spellings in terms.items():
            seen = set()
            for spelled in spellings:
                words = normal_words(spelled)
                compact = "".join(words)
                if len(compact) < 2 or compact in seen:
                    continue
                seen.add(compact)
                self._terms.append(Term(brand, spelled, compact, len(words)))
        # Longer terms first: "Coca-Cola Zero" wins the words it shares with "Coca-Cola".
        self._terms.sort(key=lambda t: -len(t.compact))

    def __bool__(self) -> bool:
        return bool(self._terms)

    def hotwords(self) -> list[str]:
        """Terms as written, to bias the transcriber towards them (Whisper ``hotwords``)."""
        return list(dict.fromkeys(t.spelled for t in self._terms))

    def in_text(self, text: str, ocr: bool = True) -> list[TextMatch]:
        """Brands written in one line of text (OCR: glyph confusions forgiven)."""
        raw = [w for w in re.split(r"\s+", text) if w]
        pieces: list[tuple[str, int]] = []  # (normal word, index of the raw word)
        for index, word in enumerate(raw):
            pieces += [(n, index) for n in normal_words(word)]
        matches = self._match([p for p, _ in pieces], ocr)
        out = []
        for term, first, last, score in matches:
            lo, hi = pieces[first][1], pieces[last][1]
            out.append(
                TextMatch(term.brand, term.spelled, " ".join(raw[lo : hi + 1]), score, lo, hi)
            )
        return out

    def in_words(self, words: Sequence[Word], min_probability: float = 0.0) -> list[Mention]:
        """Brands said in a transcript: each match a :class:`Mention` timed by its words;
        its score is the match quality times the words' mean probability, and matches whose
        words' mean probability is below ``min_probability`` are dropped."""
        pieces: list[tuple[str, int]] = []
        proper: list[bool] = []  # a name: capitalised, not at a sentence's start
        for index, word in enumerate(words):
            parts = normal_words(word.word)
            pieces += [(n, index) for n in parts]
            after_end = index == 0 or words[index - 1].word.strip().endswith(_SENTENCE_END)
            named = word.word.strip()[:1].isupper() and not after_end
            proper += [named] * len(parts)
        found = self._match([p for p, _ in pieces], ocr=False, proper=proper)
        spans = [
            (term, pieces[first][1], pieces[last][1], score) for term, first, last, score in found
        ]
        # Whisper echoes its hotword prompt where it hears no words it knows: brands glued
        # into one word ("VimeoLivestream"), one name over and over, a run of brand names
        # one after another ("Apple Odido Adidas" over "the tunnel"), words too short to
        # have been said. Said names with a doubtful probability in such a place are
        # echoes (signals bench: most false mentions were).
        brands_in_word: dict[int, set[str]] = {}
        for term, lo, hi, _ in spans:
            for index in {lo, hi}:
                brands_in_word.setdefault(index, set()).add(term.brand)
        glued = {index for index, brands in brands_in_word.items() if len(brands) > 1}
        looping = _loops([normal_words(w.word) for w in words])
        # Word indices a brand name ends / starts at, and when (a run is said without a pause).
        ends = {hi: words[hi].end for _, _, hi, _ in spans}
        starts = {lo: words[lo].start for _, lo, _, _ in spans}
        mentions = []
        for term, lo, hi, score in spans:
            if {lo, hi} & glued or set(range(lo, hi + 1)) & looping:
                continue
            said = words[lo : hi + 1]
            probability = sum(w.probability for w in said) / len(said)
            if probability < min_probability:
                continue
            in_a_run = (said[0].start - ends.get(lo - 1, -9.0) < RUN_PAUSE_S) or (
                starts.get(hi + 1, 1e9) - said[-1].end < RUN_PAUSE_S
            )
            took = said[-1].end - said[0].start
            if took < TIMED_PAST_THE_END_S:
                continue  # no time at all: placed past the audio's end, never said there
            if probability < DOUBTFUL_PROBABILITY and (in_a_run or took < SHORTEST_SAID_S):
                continue
            mentions.append(
                Mention(
                    brand=term.brand,
                    start=said[0].start,
                    end=said[-1].end,
                    text="".join(w.word for w in said).strip(),
                    score=round(score * probability, 4),
                )
            )
        return sorted(mentions, key=lambda m: m.start)

    def _match(
        self, words: list[str], ocr: bool, proper: list[bool] | None = None
    ) -> list[tuple[Term, int, int, float]]:
        """(term, first word, last word, score) for each brand found, words used once;
        with ``proper`` (speech), names that sound like a term as well."""
        used = [False] * len(words)
        found = self._spelled(words, ocr, used, speech=proper is not None)
        if proper is not None:
            found += self._sounding(words, proper, used)
        return found

    def _sounding(
        self, words: list[str], proper: list[bool], used: list[bool]
    ) -> list[tuple[Term, int, int, float]]:
        found = []
        for term in self._terms:
            if len(term.compact) < 4:
                continue
            sound = term.sound
            limit = 0 if len(sound) <= 2 else 1
            for first in range(len(words)):
                if not proper[first] or used[first]:
                    continue
                for span in range(1, term.words + _MAX_EXTRA_WORDS + 1):
                    last = first + span - 1
                    if last >= len(words) or any(used[first : last + 1]):
                        break
                    joined = "".join(words[first : last + 1])
                    spelling = Levenshtein.normalized_similarity(joined, term.compact)
                    if spelling < SOUNDS_LIKE_SPELLING:
                        continue
                    if _common(words[first : last + 1]):
                        continue
                    if Levenshtein.distance(jellyfish.metaphone(joined), sound) <= limit:
                        for i in range(first, last + 1):
                            used[i] = True
                        found.append((term, first, last, round(SOUNDS_LIKE_WEIGHT * spelling, 4)))
                        break
        return found

    def _spelled(
        self, words: list[str], ocr: bool, used: list[bool], speech: bool = False
    ) -> list[tuple[Term, int, int, float]]:
        found = []
        for term in self._terms:
            target = ocr_fold(term.compact) if ocr else term.compact
            limit = allowed_edits(len(term.compact))
            for first in range(len(words)):
                best = None
                for span in range(1, term.words + _MAX_EXTRA_WORDS + 1):
                    last = first + span - 1
                    if last >= len(words) or any(used[first : last + 1]):
                        break
                    joined = "".join(words[first : last + 1])
                    if len(joined) > len(target) + limit:
                        break
                    if len(joined) < len(target) - limit:
                        continue
                    candidate = ocr_fold(joined) if ocr else joined
                    edits = Levenshtein.distance(candidate, target, score_cutoff=limit)
                    if edits and speech and _common(words[first : last + 1]):
                        continue  # "Radar" said is the word, not Radarr misheard
                    if edits <= limit and (best is None or edits < best[1]):
                        best = (last, edits)
                if best is not None:
                    last, edits = best
                    for i in range(first, last + 1):
                        used[i] = True
                    found.append((term, first, last, round(1 - edits / len(target), 4)))
        return found


def _loops(words: list[list[str]], times: int = 3) -> set[int]:
    """Indices of words said ``times`` or more times in a row: Whisper stuck in a loop
    ("Moodle Moodle Moodle Moodle" over music on the signals bench), however sure."""
    looping: set[int] = set()
    start = 0
    for index in range(1, len(words) + 1):
        if index == len(words) or not words[index] or words[index] != words[start]:
            if words[start] and index - start >= times:
                looping.update(range(start, index))
            start = index
    return looping


def _common(words: list[str]) -> bool:
    """A common English word or phrase (said as itself, not a name misheard)."""
    return zipf_frequency(" ".join(words), "en") >= COMMON_WORD_ZIPF


def brands_in(lines: Iterable[str], matcher: BrandMatcher) -> set[str]:
    """The brands named anywhere in ``lines`` (a convenience for tests and benches)."""
    return {m.brand for line in lines for m in matcher.in_text(line)}
