-- Feed state for `newsbrief watch` / `fetch` (owned by newsbrief.feeds.state).
-- Feeds with their validators and poll results.
CREATE TABLE feeds (
    url            TEXT    PRIMARY KEY,
    title          TEXT,
    origin         TEXT,                     -- the file or command line that named it
    added_at       TEXT    NOT NULL,
    etag           TEXT,
    last_modified  TEXT,
    last_poll      TEXT,
    last_success   TEXT,
    last_status    TEXT,                     -- 'ok', 'not modified', 'failed'
    polls          INTEGER NOT NULL DEFAULT 0,
    failures       INTEGER NOT NULL DEFAULT 0, -- consecutive failed polls
    last_new       INTEGER NOT NULL DEFAULT 0, -- articles added from the last poll's entries
    new_articles   INTEGER NOT NULL DEFAULT 0, -- articles added from this feed, in all
    last_error     TEXT,
    last_error_at  TEXT
);

-- Every entry a feed has listed, by canonical URL. An entry is recorded 'pending' in the same
-- transaction as the feed's new validators, so a crash after a poll cannot lose it.
CREATE TABLE feed_entries (
    feed_url    TEXT    NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    url         TEXT    NOT NULL,
    title       TEXT,
    published   TEXT,
    author      TEXT,
    summary     TEXT,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    article_id  TEXT,
    reason      TEXT,
    first_seen  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (feed_url, url)
) WITHOUT ROWID;
CREATE INDEX feed_entries_state ON feed_entries(state, feed_url);

-- Article pages fetched, with their validators for conditional requests.
CREATE TABLE pages (
    url            TEXT    PRIMARY KEY,
    final_url      TEXT,
    etag           TEXT,
    last_modified  TEXT,
    outcome        TEXT    NOT NULL,         -- 'stored', 'already stored', 'failed'
    reason         TEXT,
    article_id     TEXT,
    fetched_at     TEXT    NOT NULL
) WITHOUT ROWID;

-- Failures per feed (NULL for `newsbrief fetch`) and URL, newest last; pruned to a bounded size.
CREATE TABLE fetch_errors (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    feed_url  TEXT,
    url       TEXT    NOT NULL,
    reason    TEXT    NOT NULL
);
CREATE INDEX fetch_errors_feed ON fetch_errors(feed_url, id);
