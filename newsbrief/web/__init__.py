"""``newsbrief serve``: a JSON API and server-rendered pages over the store.

Needs the ``web`` extra (FastAPI, uvicorn, Jinja2). ``create_app`` builds the ASGI app; the
CLI runs it on uvicorn.
"""

from __future__ import annotations

from newsbrief.web.app import DEFAULT_MAX_BODY, create_app

__all__ = ["DEFAULT_MAX_BODY", "create_app"]
