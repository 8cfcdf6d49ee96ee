-- A database migrated from schema 4 has an empty open_articles table (0005), although its
-- latest articles were clustered: mark it, and the store refills the table from those
-- articles when it next opens the database for writing (newsbrief.store.reopen), in one
-- transaction that clears the mark. A database whose batches have kept open articles is
-- left alone.
INSERT OR REPLACE INTO meta (key, value)
SELECT 'open_articles_to_rebuild', '1'
WHERE NOT EXISTS (SELECT 1 FROM open_articles)
  AND EXISTS (SELECT 1 FROM articles WHERE event_id IS NOT NULL);
