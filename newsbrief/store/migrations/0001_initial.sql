-- Articles as read, their cleaned text and sentences, near-duplicate links, events, briefs.
CREATE TABLE articles (
    seq            INTEGER PRIMARY KEY,      -- arrival order
    id             TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL,
    outlet         TEXT,
    published      TEXT,
    url            TEXT,
    canonical_url  TEXT,
    path           TEXT,
    language       TEXT,
    author         TEXT,
    raw_text       TEXT    NOT NULL,
    text           TEXT    NOT NULL,          -- cleaned
    removed_lines  TEXT    NOT NULL DEFAULT '[]',
    content_hash   TEXT    NOT NULL UNIQUE,
    duplicate_of   TEXT,
    event_id       TEXT,
    added_at       TEXT    NOT NULL
);
CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
    WHERE canonical_url IS NOT NULL;
CREATE INDEX articles_event ON articles(event_id);
CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE sentences (
    article_id  TEXT    NOT NULL,
    idx         INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    paragraph   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, idx)
) WITHOUT ROWID;

-- MinHash signatures and their LSH band keys (one key per band), queried by key.
CREATE TABLE minhashes (
    article_id  TEXT PRIMARY KEY,
    signature   BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE lsh_bands (
    key         INTEGER NOT NULL,
    article_id  TEXT    NOT NULL
);
CREATE INDEX lsh_bands_key ON lsh_bands(key);

CREATE TABLE events (
    id               TEXT    PRIMARY KEY,
    seq              INTEGER NOT NULL,        -- creation order (the number in the id)
    headline         TEXT    NOT NULL DEFAULT '',
    first_published  TEXT,
    last_published   TEXT,
    article_count    INTEGER NOT NULL DEFAULT 0,
    outlet_count     INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    merged_into      TEXT,
    brief_stale      INTEGER NOT NULL DEFAULT 1,
    first_day        REAL,
    last_day         REAL,
    state            BLOB                     -- the clusterer's vectors (newsbrief.cluster)
);
CREATE INDEX events_order ON events(merged_into, last_published, updated_at);
CREATE INDEX events_stale ON events(brief_stale) WHERE brief_stale = 1;

-- Terms under which an event can be found by an arriving article (the clusterer's postings),
-- split into time buckets so a lookup only reads postings near the article's date.
CREATE TABLE event_terms (
    bucket    INTEGER NOT NULL,
    term      INTEGER NOT NULL,
    event_id  TEXT    NOT NULL,
    PRIMARY KEY (bucket, term, event_id)
) WITHOUT ROWID;

-- Document frequencies of terms and capitalised phrases over all stored articles.
CREATE TABLE term_df (
    term  INTEGER PRIMARY KEY,
    df    INTEGER NOT NULL
);

CREATE TABLE briefs (
    event_id       TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    article_count  INTEGER NOT NULL,
    brief          TEXT    NOT NULL,          -- Brief.to_dict() as JSON
    PRIMARY KEY (event_id, version)
) WITHOUT ROWID;

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
