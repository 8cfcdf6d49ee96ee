-- Word-for-word copies from other outlets are stored (schema 9): wire copy carried by five
-- outlets under five URLs is five articles of one copy group, so the story counts every
-- outlet that carried it. The same text is the same article only when it is not provably
-- from another outlet (newsbrief.store.urls.already_stored), so content_hash is no longer
-- unique. SQLite cannot drop a column's UNIQUE: the table is rebuilt as 0004 rebuilt it,
-- with the same columns, rows (seq kept: lsh_keys and open_articles name it), indexes and
-- views, and a plain index on content_hash for the lookups.

-- The views read articles: dropped first (a rename checks every view) and made again below.
DROP VIEW IF EXISTS sentences;
DROP VIEW IF EXISTS lsh_bands;

CREATE TABLE articles_v9 (
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
    content_hash   TEXT    NOT NULL,          -- several rows: one per outlet that carried it
    duplicate_of   TEXT,
    event_id       TEXT,
    added_at       TEXT    NOT NULL,
    sentences      TEXT    NOT NULL DEFAULT '[]',
    removed_lines  TEXT    NOT NULL DEFAULT '[]',
    raw_text       BLOB,
    text           TEXT    NOT NULL           -- cleaned
);
INSERT INTO articles_v9 (seq, id, title, outlet, published, url, canonical_url, path, language,
                         author, content_hash, duplicate_of, event_id, added_at, sentences,
                         removed_lines, raw_text, text)
SELECT seq, id, title, outlet, published, url, canonical_url, path, language, author,
       content_hash, duplicate_of, event_id, added_at, sentences, removed_lines, raw_text, text
FROM articles ORDER BY seq;
DROP TABLE articles;
ALTER TABLE articles_v9 RENAME TO articles;
CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
    WHERE canonical_url IS NOT NULL;
CREATE INDEX articles_event ON articles(event_id);
CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX articles_content_hash ON articles(content_hash);

CREATE VIEW sentences AS
SELECT a.id AS article_id, CAST(j.key AS INTEGER) AS idx, json_extract(j.value, '$[3]') AS text,
       json_extract(j.value, '$[0]') AS start, json_extract(j.value, '$[1]') AS "end",
       json_extract(j.value, '$[2]') AS paragraph
FROM articles a, json_each(a.sentences) j;
CREATE VIEW lsh_bands AS
SELECT k.key AS key, a.id AS article_id FROM lsh_keys k JOIN articles a ON a.seq = k.seq;
