"""Scoring fact extraction against a gold file (``quizgen eval GOLD.yaml``).

A gold fact is found when an extracted fact of the same kind has a text equal to the gold
answer or one contains the other, in a sentence that contains the gold ``cue`` (when given),
and, for dates with a gold value, the same value. Recall is reported for all extracted facts
and for the facts that became cards under the default cap. Date-value accuracy counts, among
gold dates found by text, those whose value is right. Clutter: extracted facts whose sentence
holds a string the gold file lists as clutter (text found only outside the article body).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.errors import ReadingListError
from quizgen.model import ArticleEntry, ArticleResult, Fact, Options, ReadingList
from quizgen.readinglist import safe_load_yaml

KINDS = ("date", "person", "place", "organisation", "number", "term")


@dataclass(frozen=True)
class GoldFact:
    kind: str
    answer: str
    value: str | float | None = None
    cue: str | None = None


@dataclass(frozen=True)
class GoldArticle:
    entry: ArticleEntry
    facts: tuple[GoldFact, ...]
    clutter: tuple[str, ...] = ()


@dataclass
class KindScore:
    gold: int = 0
    found: int = 0
    in_cards: int = 0
    dates_checked: int = 0
    dates_right: int = 0

    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    def card_recall(self) -> float:
        return self.in_cards / self.gold if self.gold else 1.0


@dataclass
class Report:
    kinds: dict[str, KindScore] = field(default_factory=lambda: {k: KindScore() for k in KINDS})
    clutter_facts: int = 0
    missed: list[tuple[str, GoldFact, str]] = field(default_factory=list)  # source, fact, why
    errors: list[str] = field(default_factory=list)
    articles: int = 0

    @property
    def overall(self) -> KindScore:
        total = KindScore()
        for s in self.kinds.values():
            total.gold += s.gold
            total.found += s.found
            total.in_cards += s.in_cards
            total.dates_checked += s.dates_checked
            total.dates_right += s.dates_right
        return total

    def as_json(self) -> dict[str, Any]:
        def score(s: KindScore) -> dict[str, Any]:
            return {
                "gold": s.gold,
                "found": s.found,
                "recall": round(s.recall(), 4),
                "card_recall": round(s.card_recall(), 4),
            }

        overall = self.overall
        return {
            "articles": self.articles,
            "kinds": {k: score(s) for k, s in self.kinds.items() if s.gold},
            "overall": score(overall),
            "date_value_accuracy": round(overall.dates_right / overall.dates_checked, 4)
            if overall.dates_checked
            else None,
            "clutter_facts": self.clutter_facts,
            "missed": [
                {"source": src, "kind": f.kind, "answer": f.answer, "why": why}
                for src, f, why in self.missed
            ],
            "errors": self.errors,
        }


def _value(raw: Any) -> str | float | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%dT%H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, int | float):
        return float(raw)
    return str(raw)


def load_gold(path: str | Path) -> list[GoldArticle]:
    path = Path(path)
    try:
        data = safe_load_yaml(path.read_text("utf-8"))
    except OSError as exc:
        raise ReadingListError(
            str(path), f"cannot be read ({exc.strerror})", "check the path"
        ) from None
    except Exception as exc:  # YAMLSyntaxError, not UTF-8: one line, no traceback
        raise ReadingListError(str(path), f"is not valid YAML ({exc})", "fix the YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ReadingListError(str(path), "has no 'articles' list", "see the gold format in README")
    out = []
    for i, item in enumerate(data["articles"]):
        where = f"articles[{i}]"
        if not isinstance(item, dict) or "file" not in item:
            raise ReadingListError(str(path), "an article needs 'file'", "add file:", where)
        file = (path.parent / str(item["file"])).resolve()
        published = item.get("published")
        if isinstance(published, str):
            published = dt.date.fromisoformat(published)
        facts = []
        for j, f in enumerate(item.get("facts") or []):
            kind = f.get("type") if isinstance(f, dict) else None
            if kind not in KINDS or not f.get("answer"):
                raise ReadingListError(
                    str(path),
                    f"fact {j} needs a type ({', '.join(KINDS)}) and an answer",
                    "fix it",
                    where,
                )
            facts.append(GoldFact(kind, str(f["answer"]), _value(f.get("value")), f.get("cue")))
        entry = ArticleEntry(str(item["file"]), str(file), file, published=published)
        out.append(
            GoldArticle(entry, tuple(facts), tuple(str(c) for c in item.get("clutter") or ()))
        )
    return out


def _matches(gold: GoldFact, fact: Fact) -> bool:
    if fact.kind != gold.kind:
        return False
    texts = {fact.text, fact.answer}
    if not any(gold.answer == t or gold.answer in t or t in gold.answer for t in texts):
        return False
    return not gold.cue or gold.cue in fact.sentence.text


def _value_right(gold: GoldFact, fact: Fact) -> bool:
    if gold.value is None:
        return True
    if isinstance(gold.value, float):
        return isinstance(fact.value, int | float) and abs(float(fact.value) - gold.value) < 1e-6
    return str(fact.value) == gold.value


def score_article(gold: GoldArticle, result: ArticleResult, report: Report) -> None:
    carded = {c.fact.key for c in result.cards}
    for g in gold.facts:
        score = report.kinds[g.kind]
        score.gold += 1
        by_text = [f for f in result.facts if _matches(g, f)]
        if g.kind == "date" and by_text and g.value is not None:
            score.dates_checked += 1
            score.dates_right += any(_value_right(g, f) for f in by_text)
        hits = [f for f in by_text if g.kind != "date" or _value_right(g, f)]
        if not hits:
            why = "wrong value" if by_text else "not found"
            report.missed.append((gold.entry.label, g, why))
            continue
        score.found += 1
        if any(f.key in carded for f in hits):
            score.in_cards += 1
        else:
            report.missed.append((gold.entry.label, g, "found, but no card (below the cap)"))
    for f in result.facts:
        if any(c in f.sentence.text for c in gold.clutter):
            report.clutter_facts += 1


def evaluate(gold_articles: Sequence[GoldArticle], options: Options | None = None) -> Report:
    from quizgen.pipeline import process

    report = Report()
    reading_list = ReadingList(deck="gold", articles=tuple(g.entry for g in gold_articles))
    result = process(reading_list, options or Options())
    for gold, article in zip(gold_articles, result.results, strict=True):
        if not article.ok:
            message = getattr(article.error, "message", str(article.error))
            report.errors.append(message)
            continue
        report.articles += 1
        score_article(gold, article, report)
    return report


def format_report(report: Report) -> str:
    lines = [f"{'kind':<13}{'gold':>5}{'found':>7}{'recall':>8}{'in cards':>10}{'recall':>8}"]
    rows = [(k, s) for k, s in report.kinds.items() if s.gold] + [("overall", report.overall)]
    for kind, s in rows:
        lines.append(
            f"{kind:<13}{s.gold:>5}{s.found:>7}{s.recall():>8.1%}{s.in_cards:>10}{s.card_recall():>8.1%}"
        )
    overall = report.overall
    if overall.dates_checked:
        lines.append(
            f"date values: {overall.dates_right}/{overall.dates_checked} right "
            f"({overall.dates_right / overall.dates_checked:.1%})"
        )
    lines.append(f"facts from clutter: {report.clutter_facts}")
    lines.append(f"articles scored: {report.articles}")
    for source, f, why in report.missed:
        lines.append(f"  missed {f.kind} {f.answer!r} in {source}: {why}")
    for error in report.errors:
        lines.append(f"  error: {error}")
    return "\n".join(lines)
