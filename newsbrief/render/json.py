"""The JSON rendering: ``Brief.to_dict`` serialised; schema in docs/json-schema.md."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsbrief.models import Brief


def to_json(brief: Brief, indent: int | None = 2) -> str:
    return json.dumps(brief.to_dict(), ensure_ascii=False, indent=indent)
