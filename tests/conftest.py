"""Shared fixtures: an isolated cache, the seed article, a real Anki collection."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DECKS = ROOT / "decks"
DATA = Path(__file__).resolve().parent / "data"
SEED = ROOT.parent / "shared" / "seeds" / "000_4dfd093ef708d448.txt"

# The user dictionary is compiled once per test session into this cache, not the user's.
_CACHE = Path(
    os.environ.setdefault("QUIZGEN_CACHE_DIR", str(ROOT / ".pytest_cache" / "quizgen-cache"))
)


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.skip("the seed article ../shared/seeds/ is not beside this checkout")
    return SEED


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A copy of decks/ that a test may edit; returns the copied example.yaml."""
    target = tmp_path / "decks"
    shutil.copytree(DECKS, target)
    return target / "example.yaml"


def import_into_anki(collection_path: Path, package: Path):  # type: ignore[no-untyped-def]
    """Import a package with the official anki package, as the desktop app does."""
    from anki.collection import Collection

    col = Collection(str(collection_path))
    import_package(col, package)
    return col


def import_package(col, package: Path) -> None:  # type: ignore[no-untyped-def]
    """Import a package into an open collection, as the desktop app does."""
    from anki.collection import ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(
        package_path=str(package), options=col._backend.get_import_anki_package_presets()
    )
    col.import_anki_package(request)


def fields_by_guid(col) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each note of a collection's fields, joined as in the database, by GUID."""
    notes = (col.get_note(n) for n in col.find_notes(""))
    return {note.guid: "\x1f".join(note.fields) for note in notes}
