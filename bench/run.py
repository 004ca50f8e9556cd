"""Benchmark: quizgen's whole build against fugashi alone, on the same text.

    python bench/run.py [--mb 5]

Makes a corpus from the sample articles in decks/ (dates, names and numbers varied per copy,
so no article repeats verbatim), then times (a) fugashi tokenising every sentence reading the
features quizgen reads, and (b) the whole build (read, clean, facts, cards, package), and
prints both, their ratio, articles per second, peak memory and the cold start of --help.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = ("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村")


def make_corpus(target: Path, megabytes: float) -> list[Path]:
    sources = sorted((ROOT / "decks" / "articles").glob("*.txt"))
    texts = [s.read_text("utf-8") for s in sources]
    rng = random.Random(1)
    paths, size, i = [], 0, 0
    while size < megabytes * 1024 * 1024:
        text = texts[i % len(texts)]
        text = re.sub(r"\d+", lambda m: str(int(m.group(0)) + rng.randint(0, 9)), text)
        text = text.replace("植田和男", rng.choice(SURNAMES) + "和男")
        text = re.sub(
            r"published: \d+-\d+-\d+",
            f"published: 2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            text,
        )
        path = target / f"a{i:05d}.txt"
        path.write_text(text, "utf-8")
        paths.append(path)
        size += len(text.encode("utf-8"))
        i += 1
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5.0, help="corpus size in MB")
    args = parser.parse_args()
    from quizgen.anki import write_package
    from quizgen.clean import clean
    from quizgen.load import read_article
    from quizgen.pipeline import process, resolve_sources
    from quizgen.readinglist import entries_from_files
    from quizgen.tokenize import get_tagger

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp), args.mb)
        sentences = [
            s.text
            for e in entries_from_files([str(p) for p in paths])
            for s in clean(read_article(e)).sentences
        ]
        tagger = get_tagger()
        start = time.perf_counter()
        for sentence in sentences:
            for node in tagger(sentence):
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
                    node.is_unk,
                )
        fugashi_s = time.perf_counter() - start

        start = time.perf_counter()
        reading_list = resolve_sources([str(p) for p in paths])
        result = process(reading_list)
        write_package("bench", result.cards, Path(tmp) / "bench.apkg")
        build_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "quizgen", "--help"], capture_output=True, check=True)
    help_s = time.perf_counter() - start
    print(f"corpus: {len(paths)} articles, {args.mb:g} MB, {len(sentences)} sentences")
    print(f"fugashi alone: {fugashi_s:.2f} s")
    print(f"quizgen build: {build_s:.2f} s ({len(result.cards)} cards)")
    print(f"ratio build / fugashi: {build_s / fugashi_s:.2f}")
    print(f"articles per second (serial): {len(paths) / build_s:.1f}")
    print(f"peak memory: {peak_mb:.0f} MB")
    print(f"cold start of quizgen --help: {help_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
