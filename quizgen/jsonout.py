"""JSON shapes of ``quizgen facts|cards|clean --json`` (other tools read them: keep the keys)."""

from __future__ import annotations

from typing import Any

from quizgen.dates import iso_published
from quizgen.model import Article, ArticleResult, Card, Fact


def fact_json(fact: Fact) -> dict[str, Any]:
    return {
        "kind": fact.kind,
        "text": fact.text,
        "value": fact.value,
        "sentence": fact.sentence.text,
        "start": fact.start,
        "end": fact.end,
        "answer": fact.answer,
        "rank": fact.rank,
        "role": fact.role,
        "unit": fact.unit,
        "key": fact.key,
    }


def card_json(card: Card) -> dict[str, Any]:
    return {
        "guid": card.guid,
        "type": card.type,
        "front": card.front,
        "back": card.back,
        "answer": card.answer,
        "choices": list(card.choices) if card.choices is not None else None,
        "tags": list(card.tags),
        "fact": fact_json(card.fact),
        "source": {
            "title": card.article.title,
            "published": iso_published(card.article.published),
            "url": card.article.url,
            "sentence": card.fact.sentence.text,
        },
        "cloze": card.cloze or None,
        "number": card.number or None,
    }


def article_json(article: Article) -> dict[str, Any]:
    return {
        "source": article.source,
        "title": article.title,
        "published": iso_published(article.published),
        "byline": article.byline,
        "url": article.url,
        "encoding": article.encoding,
        "body": article.body,
    }


def error_json(result: ArticleResult) -> dict[str, Any]:
    error = result.error
    return {"source": result.entry.label, "message": getattr(error, "message", str(error))}
