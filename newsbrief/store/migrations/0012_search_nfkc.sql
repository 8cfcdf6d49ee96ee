-- Search rows hold text in compatibility form (NFKC: newsbrief.store.events.search_text), so
-- "2020" finds "２０２０年" and "TOKYO" finds "ＴＯＫＹＯ". The rows written before are marked
-- for the same one-time rewrite as 0011_search_cjk (the store rewrites the rows that change
-- when it next opens the database for writing, in one transaction that clears the mark).
INSERT OR REPLACE INTO meta (key, value)
SELECT 'search_rows_to_rebuild', '1'
WHERE EXISTS (SELECT 1 FROM event_search);
