-- Search rows index every letter of Thai, Lao, Myanmar and Khmer as a token of its own, as
-- 0011_search_cjk does for Chinese and Japanese (newsbrief.store.events.search_text), so a
-- word inside a run of such text can be found. The rows written before are marked for the
-- same one-time rewrite (the store rewrites the rows that change when it next opens the
-- database for writing, in one transaction that clears the mark).
INSERT OR REPLACE INTO meta (key, value)
SELECT 'search_rows_to_rebuild', '1'
WHERE EXISTS (SELECT 1 FROM event_search);
