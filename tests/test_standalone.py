"""The repository stands on its own: nothing in it cites documents that are not in it.

Code, docs and tests cite primary sources (papers, Bluetooth SIG specifications,
standards, laws) or the repository's own ``docs/`` pages. This test scans every text
file of the checkout for references to the design notes, specification sheets and data
bundle README that the project was started from, and to issue numbers of its tracker,
and names the file and line of each. It also checks that every ``docs/*.md`` page that
is cited exists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: File kinds that hold code, prose or configuration.
_SUFFIXES = frozenset({".py", ".md", ".sql", ".toml", ".cfg", ".ini", ".sh", ".yaml", ".yml"})
#: Directories that are not part of the project's own text.
_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".mypy_cache"}
)
_SKIP_DIR_SUFFIXES = (".egg-info",)

# The patterns are assembled from pieces so that this file does not match itself.
_MD = r"\.md\b"
_OUTSIDE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a specification sheet outside the repository", re.compile(r"\bspecs/[\w-]+" + _MD)),
    ("the design notes", re.compile(r"\b(?:DESIGN|STYLE)" + _MD)),
    (
        "a sheet that is not docs/ (clinical, privacy, BLE)",
        re.compile(r"(?<![\w/])(?:clinical|privacy|ble-gatt)" + _MD),
    ),
    ("the data bundle's README", re.compile(r"\bdata/READ" + r"ME\b")),
    (
        "the project's shared directory",
        re.compile(r"/work/" + r"shared\b|\bshared (?:folder|data bundle)"),
    ),
    ("a section of the shared data README", re.compile(r"shared/data\S*\s+section")),
    ("an issue number of the tracker", re.compile(r"\b[Ii]ssue\s+#?\d+")),
)
_DOCS_LINK = re.compile(r"\bdocs/([\w-]+" + _MD + ")")


def _text_files() -> Iterator[Path]:
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not d.endswith(_SKIP_DIR_SUFFIXES)
        )
        here = Path(folder)
        in_ci = here.relative_to(ROOT).parts[:1] == (".ci",)
        for name in sorted(files):
            path = here / name
            if path.suffix in _SUFFIXES or in_ci:
                yield path


def _lines() -> Iterator[tuple[str, int, str]]:
    for path in _text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(text.splitlines(), start=1):
            yield rel, number, line


def test_the_scan_sees_the_repository() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _text_files()}
    assert {"README.md", "pyproject.toml", "tests/test_standalone.py"} <= names
    assert any(n.startswith("analytics/") for n in names)


@pytest.mark.parametrize(
    "line",
    [
        "see specs/clinical" + ".md",
        "(DESIGN" + '.md "Storage")',
        "privacy" + '.md "Audit"',
        "data/READ" + "ME.md section 6",
        "as in issue" + " 7",
    ],
)
def test_each_kind_of_outside_reference_is_recognised(line: str) -> None:
    assert any(p.search(line) for _, p in _OUTSIDE)


@pytest.mark.parametrize(
    "line",
    [
        'docs/clinical.md "Alerts"',
        "Bluetooth SIG CGMS v1.0.1, 3.1",
        "--data (default ../shared/data)",
        "bleak's issue tracker",
    ],
)
def test_own_docs_and_primary_sources_are_not_flagged(line: str) -> None:
    assert not any(p.search(line) for _, p in _OUTSIDE)


def test_nothing_cites_a_document_outside_the_repository() -> None:
    found = [
        f"{rel}:{n}: {what}: {line.strip()}"
        for rel, n, line in _lines()
        for what, pattern in _OUTSIDE
        if pattern.search(line)
    ]
    assert not found, "cite a primary source or a docs/ page instead:\n" + "\n".join(found)


def test_every_cited_docs_page_exists() -> None:
    missing = [
        f"{rel}:{n}: docs/{m.group(1)}"
        for rel, n, line in _lines()
        for m in _DOCS_LINK.finditer(line)
        if not (ROOT / "docs" / m.group(1)).is_file()
    ]
    assert not missing, "cited docs/ pages that do not exist:\n" + "\n".join(missing)
