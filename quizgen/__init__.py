"""quizgen: turn a reading list of news articles into Anki decks and quizzes.

The pipeline, one module per stage::

    readinglist.load_reading_list(path) -> ReadingList
    load.read_article(entry)            -> RawArticle
    clean.clean(raw)                    -> Article      (normalised text, sentences)
    facts.extract_facts(article)        -> list[Fact]
    cards.make_cards(article, facts)    -> list[Card]
    anki.write_package(deck, cards, out)

``pipeline.iter_results`` runs them for a whole reading list (worker processes, an article
cache, results streamed in list order); ``pipeline.process`` keeps them all;
``anki.PackageWriter`` writes notes as they come. ``quiz.make_quiz`` and ``export`` make
classroom quizzes; ``evaluate`` scores extraction against a gold file.
"""

__version__ = "0.1.0"

# The garbage collector's thresholds while quizgen builds (``pipeline._fewer_collections``)
# and in the ``quizgen`` program (``cli.run``): a collection every 50,000 new objects, a
# full one a hundredth as often as Python's defaults (700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)
