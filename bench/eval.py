"""Print the extraction figures on our gold set (and on the seed when ../shared is there).

python bench/eval.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from quizgen.evaluate import evaluate, format_report, load_gold

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    golds = [ROOT / "gold" / "gold.yaml"]
    seed = ROOT / "gold" / "seed.yaml"
    if (ROOT.parent / "shared" / "seeds").is_dir():
        golds.append(seed)
    else:
        print(f"(skipping {seed.relative_to(ROOT)}: ../shared/seeds is not beside this checkout)")
    for gold in golds:
        articles = load_gold(gold)
        print(
            f"== {gold.relative_to(ROOT)}: {len(articles)} articles, "
            f"{sum(len(a.facts) for a in articles)} gold facts"
        )
        print(format_report(evaluate(articles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
