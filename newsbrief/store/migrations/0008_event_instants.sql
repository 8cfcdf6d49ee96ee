-- Event times compared as instants, not as text: outlets write different UTC offsets, and
-- "2017-11-17T10:00:00+09:00" (01:00 UTC) sorts after "2017-11-17T02:00:00Z" as text.
-- The expressions are those of newsbrief.store.events (instant, published_edge,
-- EVENT_ORDER): a value is an instant when it starts YYYY-MM-DD and SQLite's julianday()
-- reads it (an offset is converted to UTC; naive and date-only values are taken as UTC).

-- The event list's index, ordered by the instant of the last article time (else of the last
-- change, else 0) instead of by its text.
DROP INDEX IF EXISTS events_recent;

-- first/last_published were the text MIN/MAX of the articles' times: recompute them as the
-- original strings of the earliest and latest instants (values that are not instants never
-- win over ones that are; with none, the text minimum/maximum as before). Retired and merged
-- events (no articles) keep theirs.
UPDATE events SET
    first_published = (
        SELECT a.published FROM articles a
        WHERE a.event_id = events.id AND a.published IS NOT NULL
        ORDER BY (CASE WHEN a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                       THEN julianday(a.published) END) IS NULL,
                 (CASE WHEN a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                       THEN julianday(a.published) END),
                 a.published, a.seq
        LIMIT 1),
    last_published = (
        SELECT a.published FROM articles a
        WHERE a.event_id = events.id AND a.published IS NOT NULL
        ORDER BY (CASE WHEN a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                       THEN julianday(a.published) END) IS NULL,
                 (CASE WHEN a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                       THEN julianday(a.published) END) DESC,
                 a.published DESC, a.seq DESC
        LIMIT 1)
WHERE article_count > 0 AND merged_into IS NULL;

CREATE INDEX events_recent ON events(
    COALESCE((CASE WHEN last_published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                   THEN julianday(last_published) END),
             (CASE WHEN updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                   THEN julianday(updated_at) END),
             0),
    seq)
    WHERE merged_into IS NULL AND article_count > 0;
