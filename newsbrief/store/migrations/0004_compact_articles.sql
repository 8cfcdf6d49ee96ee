-- Smaller and cheaper rows (schema 4); everything written by versions 1-3 is converted.

-- Articles: sentences packed into the row, small columns first, the raw text only when it
-- differs from the cleaned text. A row is read up to the column asked for, so the columns
-- looked up during ingest (event_id, duplicate_of) now come before the long texts.
--   sentences: JSON [[start, end, paragraph], ...] in reading order (character offsets into
--              text; a fourth element is the sentence's text where it is not that slice);
--   raw_text:  NULL when the text as read equals the cleaned text, else the text as read
--              (TEXT) or its zlib-compressed UTF-8 (BLOB).
CREATE TABLE articles_v4 (
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
    content_hash   TEXT    NOT NULL UNIQUE,
    duplicate_of   TEXT,
    event_id       TEXT,
    added_at       TEXT    NOT NULL,
    sentences      TEXT    NOT NULL DEFAULT '[]',
    removed_lines  TEXT    NOT NULL DEFAULT '[]',
    raw_text       BLOB,
    text           TEXT    NOT NULL           -- cleaned
);
INSERT INTO articles_v4 (seq, id, title, outlet, published, url, canonical_url, path, language,
                         author, content_hash, duplicate_of, event_id, added_at, sentences,
                         removed_lines, raw_text, text)
SELECT a.seq, a.id, a.title, a.outlet, a.published, a.url, a.canonical_url, a.path, a.language,
       a.author, a.content_hash, a.duplicate_of, a.event_id, a.added_at,
       COALESCE((SELECT json_group_array(json(x)) FROM
                 (SELECT CASE WHEN s.text IS NULL THEN json_array(s.start, s.end, s.paragraph)
                              ELSE json_array(s.start, s.end, s.paragraph, s.text) END AS x
                  FROM sentences s WHERE s.article_id = a.id ORDER BY s.idx)), '[]'),
       a.removed_lines, CASE WHEN a.raw_text = a.text THEN NULL ELSE a.raw_text END, a.text
FROM articles a ORDER BY a.seq;
DROP TABLE sentences;
DROP TABLE articles;
ALTER TABLE articles_v4 RENAME TO articles;
CREATE UNIQUE INDEX articles_canonical_url ON articles(canonical_url)
    WHERE canonical_url IS NOT NULL;
CREATE INDEX articles_event ON articles(event_id);
CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;

-- The sentences as rows, for SQL readers of earlier schemas (read only).
CREATE VIEW sentences AS
SELECT a.id AS article_id, CAST(j.key AS INTEGER) AS idx, json_extract(j.value, '$[3]') AS text,
       json_extract(j.value, '$[0]') AS start, json_extract(j.value, '$[1]') AS "end",
       json_extract(j.value, '$[2]') AS paragraph
FROM articles a, json_each(a.sentences) j;

-- LSH band keys by the article's number (an integer instead of its id text), in one b-tree
-- keyed by (key, article) instead of a table plus an index; lsh_bands stays as a view.
CREATE TABLE lsh_keys (
    key  INTEGER NOT NULL,
    seq  INTEGER NOT NULL,                    -- articles.seq
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;
INSERT OR IGNORE INTO lsh_keys (key, seq)
SELECT b.key, a.seq FROM lsh_bands b JOIN articles a ON a.id = b.article_id;
DROP TABLE lsh_bands;
CREATE VIEW lsh_bands AS
SELECT k.key AS key, a.id AS article_id FROM lsh_keys k JOIN articles a ON a.seq = k.seq;

-- Signatures record their scheme (newsbrief.dedup.SIGNATURE_SCHEME); rows written before
-- are scheme 1 and are re-signed by the store when it next opens the database for writing.
ALTER TABLE minhashes ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
INSERT OR REPLACE INTO meta (key, value)
SELECT 'signatures_to_upgrade', '1' WHERE EXISTS (SELECT 1 FROM minhashes);
