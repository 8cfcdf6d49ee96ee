"""Following the open web: a polite fetcher, feed/OPML parsing, polling rounds, feed state.

``newsbrief fetch`` and ``newsbrief watch`` are thin layers over :func:`fetch_pages` and
:func:`watch`; see docs/feeds.md.
"""

from newsbrief.feeds.fetcher import (
    DEFAULT_USER_AGENT,
    FetchConfig,
    Fetcher,
    FetchError,
    Response,
    Validators,
)
from newsbrief.feeds.page import PageResult, load_page
from newsbrief.feeds.parse import (
    FeedEntry,
    FeedParseError,
    FeedSource,
    ParsedFeed,
    canonical_url,
    parse_feed,
    parse_opml,
    read_sources,
)
from newsbrief.feeds.state import FeedState, FeedStatus
from newsbrief.feeds.watch import (
    PageJob,
    RoundReport,
    WatchOptions,
    fetch_pages,
    poll_round,
    watch,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "FeedEntry",
    "FeedParseError",
    "FeedSource",
    "FeedState",
    "FeedStatus",
    "FetchConfig",
    "FetchError",
    "Fetcher",
    "PageJob",
    "PageResult",
    "ParsedFeed",
    "Response",
    "RoundReport",
    "Validators",
    "WatchOptions",
    "canonical_url",
    "fetch_pages",
    "load_page",
    "parse_feed",
    "parse_opml",
    "poll_round",
    "read_sources",
    "watch",
]
