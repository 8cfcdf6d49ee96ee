-- The clusterer's open articles (ClusterConfig.reopen): the most recent articles, whose
-- events each batch decides again. Rewritten by every clustering batch inside its
-- transaction, so after a crash they are those of the last committed batch. A database
-- migrated from schema 4 starts with none (the vectors its articles added to their events
-- were not kept); migration 0007 has the store rebuild them from the stored articles.
--   pos:       order among the open articles (oldest first);
--   terms, entities: the article's features (newsbrief.cluster.Features), packed as
--              uint32 term ids then float64 weights;
--   vector:    the unit vector the article added to its event (same packing);
--   day:       days since the epoch of its publication time (NULL when undated).
CREATE TABLE open_articles (
    pos         INTEGER PRIMARY KEY,
    article_id  TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    day         REAL,
    terms       BLOB    NOT NULL,
    entities    BLOB    NOT NULL,
    vector      BLOB    NOT NULL
);
