-- Smaller rows and an indexed search-row key; data written by versions 1-2 is kept.

-- A sentence's text is articles.text[start:end] (character offsets); store it only where
-- it differs from that slice.
CREATE TABLE sentences_v3 (
    article_id  TEXT    NOT NULL,
    idx         INTEGER NOT NULL,
    text        TEXT,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    paragraph   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, idx)
) WITHOUT ROWID;
INSERT INTO sentences_v3 (article_id, idx, text, start, end, paragraph)
SELECT s.article_id, s.idx,
       CASE WHEN s.text = substr(a.text, s.start + 1, s.end - s.start) THEN NULL ELSE s.text END,
       s.start, s.end, s.paragraph
FROM sentences s LEFT JOIN articles a ON a.id = s.article_id;
DROP TABLE sentences;
ALTER TABLE sentences_v3 RENAME TO sentences;

-- Signatures are 1 KB blobs: an ordinary rowid table stores them more compactly than a
-- WITHOUT ROWID one. New signatures are 128 x uint32 (older rows, 128 x uint64, stay
-- readable: the store reads either width).
CREATE TABLE minhashes_v3 (
    article_id  TEXT PRIMARY KEY,
    signature   BLOB NOT NULL
);
INSERT INTO minhashes_v3 (article_id, signature) SELECT article_id, signature FROM minhashes;
DROP TABLE minhashes;
ALTER TABLE minhashes_v3 RENAME TO minhashes;

-- Search rows keyed by events.seq, so replacing an event's row is an indexed delete.
DELETE FROM event_search;
INSERT INTO event_search (rowid, event_id, headline, titles)
SELECT e.seq, e.id, e.headline,
       COALESCE((SELECT group_concat(title, ' | ') FROM
                 (SELECT DISTINCT a.title FROM articles a
                  WHERE a.event_id = e.id AND a.title != '' LIMIT 200)), '')
FROM events e WHERE e.merged_into IS NULL AND e.article_count > 0;
