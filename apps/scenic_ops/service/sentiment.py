"""Chinese sentiment scoring with the lexicon shipped in `lexicon/` and jieba's word segmentation.

score(text, rating) -> Analysis(score in −1…+1, label, keywords, topics)

The method is a plain lexicon one, tuned for reviews of scenic areas: words of the
positive and negative lists count with their weight, a negation within three words
before flips (and softens) the polarity, a degree adverb scales it, and the clause
after a contrast (但是, 不过 …) weighs more than the one before it. A star rating, when
the source gives one, is blended in. It ranks clear negatives below clear positives
(tests/service/test_sentiment.py keeps a labelled set); it does not understand irony.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEXICON = Path(__file__).parent / "lexicon"
NEGATIVE_AT, POSITIVE_AT = -0.2, 0.2
CONTRAST = {"但是", "但", "不过", "可是", "然而", "却", "只是"}
STOP = set(
    "的 了 是 在 和 也 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 这个 那个 这里 那里 非常 真的 还是 就是 可以 因为 所以 如果 景区".split()
)
PUNCT = set("，。！？；：、,.!?;:~…\n\r\t ")
_lock = threading.Lock()
_ready = False
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lexicon:
    positive: dict[str, float]
    negative: dict[str, float]
    negation: frozenset[str]
    degree: dict[str, float]
    topics: dict[str, frozenset[str]]
    longest: int


@dataclass
class Analysis:
    score: float
    label: str
    keywords: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    hits: list[tuple[str, float]] = field(default_factory=list)


def _lines(name: str) -> list[str]:
    text = (LEXICON / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _weighted(name: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in _lines(name):
        word, _sep, weight = line.partition(" ")
        out[word] = float(weight or 1)
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    positive, negative = _weighted("positive.txt"), _weighted("negative.txt")
    topics: dict[str, frozenset[str]] = {}
    for line in _lines("topics.txt"):
        name, _sep, words = line.partition(":")
        topics[name.strip()] = frozenset(words.split())
    words = [*positive, *negative]
    return Lexicon(
        positive=positive,
        negative=negative,
        negation=frozenset(_lines("negation.txt")),
        degree=_weighted("degree.txt"),
        topics=topics,
        longest=max(len(w) for w in words),
    )


def _jieba():
    """jieba with our lexicon words added, loaded once per process (about a second the first time)."""
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                lex = lexicon()
                for word in [*lex.positive, *lex.negative, *lex.degree, *lex.negation]:
                    if len(word) > 1:
                        jieba.add_word(word, freq=50000)
                for words in lex.topics.values():
                    for word in words:
                        jieba.add_word(word, freq=20000)
                jieba.initialize()
                _ready = True
    return jieba


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def tokens(text: str) -> list[str]:
    return [t for t in _jieba().lcut(normalise(text)) if t.strip()]


def _polarity(word: str, lex: Lexicon) -> float:
    if word in lex.positive:
        return lex.positive[word]
    if word in lex.negative:
        return -lex.negative[word]
    return 0.0


def _inner(token: str, lex: Lexicon) -> tuple[float, bool, float]:
    """A token jieba kept whole that is not a lexicon word: the strongest lexicon word inside it,
    whether a negation precedes it inside the token, and a degree word's multiplier."""
    best, best_at, best_len = 0.0, -1, 0
    for size in range(min(lex.longest, len(token)), 0, -1):
        for start in range(len(token) - size + 1):
            value = _polarity(token[start : start + size], lex)
            if value and size > best_len:
                best, best_at, best_len = value, start, size
        if best_len:
            break
    if not best:
        return 0.0, False, 1.0
    before = token[:best_at]
    negated = any(n in before for n in lex.negation)
    degree = max((m for d, m in lex.degree.items() if d in before), default=1.0)
    return best, negated, degree


def score(text: str, rating: float | None = None) -> Analysis:
    lex = lexicon()
    words = tokens(text)
    total = 0.0
    hits: list[tuple[str, float]] = []
    clause_weight = 1.0
    weights_so_far: list[int] = []
    for i, word in enumerate(words):
        if word in CONTRAST:
            for j in weights_so_far:  # what came before a "but" counts less
                hits[j] = (hits[j][0], hits[j][1] * 0.6)
            weights_so_far = []
            clause_weight = 1.3
            continue
        if word in PUNCT:
            continue
        value = _polarity(word, lex)
        negated, degree = False, 1.0
        if not value and len(word) > 1:
            value, negated, degree = _inner(word, lex)
        if not value:
            continue
        flips = 0
        for back in range(1, 4):
            if i - back < 0 or words[i - back] in PUNCT:
                break
            prev = words[i - back]
            if prev in lex.negation:
                flips += 1
            elif back <= 2 and prev in lex.degree:
                degree = max(degree, lex.degree[prev])
        if negated:
            flips += 1
        if flips % 2:
            value = -value * (0.8 if value > 0 else 0.6)  # "不好" is bad; "不差" is only mildly good
        hits.append((word, value * degree * clause_weight))
        weights_so_far.append(len(hits) - 1)
    total = sum(v for _w, v in hits)
    text_score = total / (abs(total) + 2.0) if hits else 0.0
    final = text_score
    if rating is not None and not math.isnan(float(rating)):
        from_stars = max(-1.0, min(1.0, (float(rating) - 3.0) / 2.0))
        final = 0.5 * text_score + 0.5 * from_stars if hits else from_stars
    final = round(max(-1.0, min(1.0, final)), 3)
    label = "negative" if final <= NEGATIVE_AT else "positive" if final >= POSITIVE_AT else "neutral"
    return Analysis(final, label, keywords(text), topics_of(words, lex), hits)


def keywords(text: str, limit: int = 5) -> list[str]:
    import jieba.analyse

    _jieba()
    found = jieba.analyse.extract_tags(normalise(text), topK=limit * 3)
    return [w for w in found if len(w) > 1 and w not in STOP and not w.isdigit()][:limit]


def topics_of(words: list[str], lex: Lexicon | None = None) -> list[str]:
    lex = lex or lexicon()
    joined = "".join(words)
    out = []
    for topic, vocabulary in lex.topics.items():
        if any(w in joined for w in vocabulary):
            out.append(topic)
    return out
