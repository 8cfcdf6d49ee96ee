"""The wheel carries every data file the package reads (migrations, templates, weights).

An editable install reads them from the source tree, so a file missing from
``[tool.setuptools.package-data]`` only breaks a real ``pip install``.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "newsbrief"


def test_every_data_file_in_the_package_is_declared_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["newsbrief"]
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert any(f.startswith("store/migrations/") for f in data_files)
    undeclared = [f for f in data_files if not any(fnmatch(f, p) for p in patterns)]
    assert undeclared == []
