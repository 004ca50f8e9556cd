"""Benchmark: quizgen's whole build against fugashi alone, on the same text, and at scale.

    python bench/run.py [--mb 5] [--scale 10000] [--jobs 0]

Makes a corpus from our own sample articles (decks/, tests/data/, gold/; dates, names and
numbers varied per copy, so no article repeats verbatim) and prints:

* fugashi alone: tokenising every body sentence, reading the features quizgen reads, from
  MeCab's output string as quizgen does (the ratios are to this one) and from fugashi's
  nodes (the usual way, about a third slower); each the median of five runs, three before
  the builds and two after (timings drift on a shared machine);
* the whole ``quizgen build`` (read, clean, facts, cards, package) in one process, its ratio
  to fugashi alone, and articles per second; also both in CPU time (user and system, workers
  included), which the machine's other load disturbs less;
* the same build with every core (``--jobs``), from a cold article cache;
* on a list of 1,000 articles, the cold build and rebuilds after editing one article (three
  edits in turn), each as a share of the cold build, in wall time and in CPU time (the
  cold build uses every core, a rebuild mostly one); each the median of three runs;
* the cold start of ``quizgen --help`` and ``quizgen --version``;
* peak memory of a build of ``--scale`` articles (the largest process, workers included).

Every build runs as a separate ``python -m quizgen`` process, as a user runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = ("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村")
GIVEN = ("和男", "花子", "太郎", "真人", "健一", "美咲", "翔太", "陽子")
SOURCES = [
    *sorted((ROOT / "decks" / "articles").glob("*.txt")),
    *sorted((ROOT / "gold" / "articles").glob("*.txt")),
    ROOT / "tests" / "data" / "articles" / "wbc-final.txt",
    *sorted((ROOT / "tests" / "data" / "pages").glob("*.txt")),
]
NAMES_RE = re.compile("|".join(["植田和男", "山川宏", "杉本達治", "神田真人", "栗山英樹"]))


def make_corpus(target: Path, megabytes: float = 0, count: int = 0) -> Path:
    """Articles varied from our samples until ``megabytes`` or ``count``; returns a list."""
    texts = [s.read_text("utf-8") for s in SOURCES]
    rng = random.Random(1)
    target.mkdir(parents=True, exist_ok=True)
    lines = ["deck: bench", "articles:"]
    size, i = 0, 0
    while (megabytes and size < megabytes * 1024 * 1024) or (count and i < count):
        text = texts[i % len(texts)]
        text = re.sub(r"\d+", lambda m: str(int(m.group(0)) + rng.randint(0, 9)), text)
        text = NAMES_RE.sub(lambda m: rng.choice(SURNAMES) + rng.choice(GIVEN), text)
        text = re.sub(r"published: [\d-]+\n", "", text)
        path = target / f"a{i:05d}.txt"
        path.write_text(text, "utf-8")
        published = f"2024-{rng.randint(1, 12):02d}-{rng.randint(10, 28)}"
        lines.append(f"  - {{path: {path.name}, published: {published}}}")
        size += len(text.encode("utf-8"))
        i += 1
    reading_list = target / "list.yaml"
    reading_list.write_text("\n".join(lines) + "\n", "utf-8")
    return reading_list


def body_sentences(reading_list: Path) -> list[str]:
    from quizgen.clean import clean
    from quizgen.load import read_article
    from quizgen.readinglist import load_reading_list

    return [
        s.text
        for e in load_reading_list(reading_list).articles
        for s in clean(read_article(e)).sentences
    ]


def fugashi_alone(sentences: list[str], runs: int, route: str) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of ``runs`` passes of fugashi over ``sentences``, reading
    the features quizgen reads: from fugashi's nodes (``route="nodes"``, the usual way), or
    from MeCab's output in quizgen's format (``"string"``, the way quizgen reads them)."""
    import fugashi

    from quizgen.tokenize import get_tagger, tagger_args

    times = []
    nodes = fugashi.Tagger(tagger_args())
    string = get_tagger()
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        if route == "nodes":
            for sentence in sentences:
                for node in nodes(sentence):
                    f = node.feature
                    _ = (
                        f.pos1,
                        f.pos2,
                        f.pos3,
                        f.pos4,
                        f.cType,
                        f.cForm,
                        f.lemma,
                        f.orthBase,
                        f.kana,
                    )
                    _ = node.is_unk
        else:
            for sentence in sentences:
                for line in string.parse(sentence).split("\n"):
                    _ = line.split("\t")
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times


def breakdown(reading_list: Path, limit: int = 600) -> dict[str, float]:
    """Seconds per stage, in this process, over the first ``limit`` articles (no cache)."""
    from quizgen.anki import PackageWriter, note_rows
    from quizgen.cards import make_cards, prepared_questions
    from quizgen.clean import clean
    from quizgen.facts import extract_facts
    from quizgen.load import read_article
    from quizgen.model import ArticleResult, Options
    from quizgen.pool import distractor_pool
    from quizgen.readinglist import load_reading_list
    from quizgen.tokenize import tokenize

    times: dict[str, float] = {}

    def timed(stage: str, fn, *args):
        start = time.perf_counter()
        value = fn(*args)
        times[stage] = times.get(stage, 0.0) + time.perf_counter() - start
        return value

    entries = load_reading_list(reading_list).articles[:limit]
    results = []
    for entry in entries:
        article = timed("read and clean", lambda e: clean(read_article(e)), entry)
        timed("tokenise", lambda a: [tokenize(s.text) for s in a.sentences], article)
        facts = tuple(timed("facts", extract_facts, article))
        questions = timed("questions", prepared_questions, article, facts)
        results.append(ArticleResult(entry, article, facts, questions=questions))
    pool = distractor_pool([r.facts for r in results])
    options = Options()
    with tempfile.TemporaryDirectory() as tmp:
        package = PackageWriter("b", Path(tmp) / "b.apkg")
        for r in results:
            cards = timed("cards", make_cards, r.article, r.facts, options, pool, r.questions)
            rows = timed("notes", note_rows, cards)
            timed("package", package.add_rows, rows)
        timed("package", package.close)
    return times


def _env(**extra: str) -> dict[str, str]:
    """The environment of the quizgen processes: with Python's bytecode cache, as after
    ``pip install`` (which compiles the package), even where PYTHONDONTWRITEBYTECODE is set
    (this machine sets it: every process would compile quizgen's sources again, about
    100 ms). The bytecode goes to a directory of its own, not into the checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return {**env, **extra}


PYCACHE = Path(tempfile.gettempdir()) / "quizgen-bench-pycache"


def build(reading_list: Path, out: Path, cache: Path, *flags: str) -> float:
    return timed_build(reading_list, out, cache, *flags)[0]


def timed_build(reading_list: Path, out: Path, cache: Path, *flags: str) -> tuple[float, float]:
    """Wall and CPU seconds (user and system, workers included) of one build."""
    env = _env(QUIZGEN_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "quizgen", "build", str(reading_list), "-o", str(out), "-q", *flags],
        check=True,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def measured_build(reading_list: Path, out: Path, cache: Path, *flags: str) -> tuple[float, int]:
    """A build in a fresh helper process, so that its children's peak memory is this build's
    alone: returns the time and the largest resident set (KB) of the build and its workers."""
    helper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = _env(QUIZGEN_CACHE_DIR=str(cache))
    command = [sys.executable, "-m", "quizgen", "build", str(reading_list), "-o", str(out), "-q"]
    done = subprocess.run(
        [sys.executable, "-c", helper, *command, *flags],
        check=True, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak)


REPEATS = 3  # runs of the 1,000-article cold build and of each rebuild


def _median_pair(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall time and the median CPU time of some runs."""
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def startup(*args: str) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "quizgen", *args], capture_output=True, check=True, env=_env()
        )
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5.0, help="corpus size in MB")
    parser.add_argument("--scale", type=int, default=10000, help="articles for the memory run")
    parser.add_argument("--jobs", type=int, default=0, help="workers (0: one per core)")
    args = parser.parse_args()
    jobs = str(args.jobs or os.cpu_count() or 1)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)

        def cache(name: str) -> Path:
            """A cold article cache holding the compiled user dictionary (compiled once,
            outside the timings, as any user's first build does)."""
            target = tmp / name
            shutil.copytree(tmp / "c0" / "dict", target / "dict")
            return target

        reading_list = make_corpus(tmp / "corpus", megabytes=args.mb)
        articles = len(reading_list.read_text("utf-8").splitlines()) - 2
        sentences = body_sentences(reading_list)
        # The baseline three times before the builds and twice after: timings on a shared
        # machine drift, and the median of runs spread over the builds' time is fairer to
        # both than the best of a few taken together.
        baseline = fugashi_alone(sentences, 3, "string")
        by_nodes = fugashi_alone(sentences, 3, "nodes")
        build(reading_list, tmp / "warm.apkg", tmp / "c0", "--jobs", "1")
        serial_s, serial_cpu = timed_build(
            reading_list, tmp / "a.apkg", tmp / "c0", "--jobs", "1", "--no-cache"
        )
        parallel_s, parallel_cpu = timed_build(
            reading_list, tmp / "b.apkg", cache("c1"), "--jobs", jobs
        )
        baseline += fugashi_alone(sentences, 2, "string")
        by_nodes += fugashi_alone(sentences, 2, "nodes")
        nodes_s = statistics.median(wall for wall, _ in by_nodes)
        tagger_s = statistics.median(wall for wall, _ in baseline)
        tagger_cpu = statistics.median(cpu for _, cpu in baseline)

        # The incremental rebuild, on a list of 1,000 articles: three edits in turn, each
        # adding a sentence with a new date and number to one article. A single run says
        # little on a shared machine: the cold build is the median of three (each from an
        # empty cache), and each edit's rebuild the median of three from the same state
        # (the cache and the package put back before each).
        thousand = make_corpus(tmp / "thousand", count=1000)
        colds = [
            timed_build(thousand, tmp / "k.apkg", cache(f"c3{i}"), "--jobs", jobs)
            for i in range(REPEATS)
        ]
        cold_s, cold_cpu = _median_pair(colds)
        rebuild_cache = tmp / f"c3{REPEATS - 1}"
        rebuilds = []
        for n, name in enumerate(("a00007.txt", "a00420.txt", "a00777.txt"), 1):
            edited = thousand.parent / name
            edited.write_text(
                edited.read_text("utf-8") + f"\n追加の一文は2024年5月{n}日に{n * 37}人が書いた。\n",
                "utf-8",
            )
            shutil.copytree(rebuild_cache, tmp / "before")
            shutil.copy(tmp / "k.apkg", tmp / "before.apkg")
            runs = []
            for i in range(REPEATS):
                if i:  # the state before this edit's rebuild, again
                    shutil.rmtree(rebuild_cache)
                    shutil.copytree(tmp / "before", rebuild_cache)
                    shutil.copy(tmp / "before.apkg", tmp / "k.apkg")
                runs.append(timed_build(thousand, tmp / "k.apkg", rebuild_cache, "--jobs", jobs))
            shutil.rmtree(tmp / "before")
            rebuilds.append(_median_pair(runs))

        stages = breakdown(reading_list)
        tokenise_s = stages["tokenise"]
        print("per stage, first 600 articles, one process (× the time of tokenising):")
        for stage, seconds in stages.items():
            print(f"  {stage:15} {seconds:6.2f} s  {seconds / tokenise_s:5.1f}×")
        print(
            f"corpus: {articles} articles, {args.mb:g} MB, {len(sentences)} sentences; {jobs} cores"
        )
        walls = sorted(wall for wall, _ in baseline)
        print(
            f"fugashi alone (median of 5):   {tagger_s:7.2f} s  "
            f"(runs {walls[0]:.2f}–{walls[-1]:.2f} s; CPU {tagger_cpu:.2f} s; "
            "MeCab's output in quizgen's format, as quizgen reads it)"
        )
        print(
            f"  read from fugashi's nodes:   {nodes_s:7.2f} s  "
            f"(the usual way; builds against it: {serial_s / nodes_s:.2f}× and {parallel_s / nodes_s:.2f}×)"
        )
        print(
            f"quizgen build, 1 process:      {serial_s:7.2f} s  (ratio to fugashi {serial_s / tagger_s:.2f}, "
            f"{articles / serial_s:.0f} articles/s; CPU {serial_cpu:.1f} s, {serial_cpu / tagger_cpu:.2f}×)"
        )
        print(
            f"quizgen build, {jobs} workers:     {parallel_s:7.2f} s  (ratio to fugashi {parallel_s / tagger_s:.2f}, "
            f"{articles / parallel_s:.0f} articles/s, cold cache; CPU {parallel_cpu:.1f} s, {parallel_cpu / tagger_cpu:.2f}×)"
        )
        shares = ", ".join(f"{r:.2f} s ({r / cold_s:.0%})" for r, _ in rebuilds)
        print(
            f"1,000 articles (medians of {REPEATS} runs): cold build {cold_s:.2f} s ({jobs} workers); "
            f"after editing one article: {shares}"
        )
        cpu_shares = ", ".join(f"{c:.2f} s ({c / cold_cpu:.0%})" for _, c in rebuilds)
        print(
            f"  in CPU time: cold build {cold_cpu:.2f} s; after editing one article: {cpu_shares}"
        )
        print(
            f"cold start: --help {startup('--help') * 1000:.0f} ms, --version {startup('--version') * 1000:.0f} ms"
        )

        if args.scale:
            big = make_corpus(tmp / "big", count=args.scale)
            scale_s, peak_kb = measured_build(big, tmp / "big.apkg", cache("c2"), "--jobs", jobs)
            print(
                f"{args.scale} articles: {scale_s:.1f} s, peak memory {peak_kb / 1024:.0f} MB "
                "(the largest process: the build or one of its workers)"
            )


if __name__ == "__main__":
    main()
