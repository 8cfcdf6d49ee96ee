-- The event list (newest first) reads this index in order and stops at the page size,
-- instead of sorting every live event for each page.
CREATE INDEX events_recent ON events(COALESCE(last_published, updated_at), seq)
    WHERE merged_into IS NULL AND article_count > 0;
