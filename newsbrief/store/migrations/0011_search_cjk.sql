-- Search rows index every ideograph and kana as a token of its own (newsbrief.store.events.
-- search_text), so a word inside a run of Chinese or Japanese text can be found. SQL cannot
-- respace the rows written before, so this marks the database (as 0007 does) and the store
-- rewrites its search rows that hold such characters when it next opens the database for
-- writing, in one transaction that clears the mark. A database without search rows has
-- nothing to rewrite.
INSERT OR REPLACE INTO meta (key, value)
SELECT 'search_rows_to_rebuild', '1'
WHERE EXISTS (SELECT 1 FROM event_search);
