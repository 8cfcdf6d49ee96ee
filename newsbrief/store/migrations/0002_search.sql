-- Full-text search over event headlines and the titles of their articles (FTS5).
CREATE VIRTUAL TABLE event_search USING fts5(
    event_id UNINDEXED, headline, titles, tokenize = 'porter unicode61'
);
INSERT INTO event_search (event_id, headline, titles)
SELECT e.id, e.headline, COALESCE((SELECT group_concat(a.title, ' | ') FROM articles a
                                   WHERE a.event_id = e.id), '')
FROM events e WHERE e.merged_into IS NULL;
