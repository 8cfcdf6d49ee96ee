-- Feed state for `newsbrief watch` (owned by newsbrief.feeds.state), two columns added:
-- feeds.not_before: a feed that answered 429/5xx with Retry-After is not polled again before
-- this UTC time ("YYYY-MM-DDTHH:MM:SSZ"), in this run or a later one; NULL: no wait.
ALTER TABLE feeds ADD COLUMN not_before TEXT;
-- feed_entries.storing: the content hash of the article about to be stored for this entry,
-- written (committed) before Store.add_articles and cleared when the entry is finished. A run
-- killed in between leaves it set, so the next run can credit the stored article to the feed.
ALTER TABLE feed_entries ADD COLUMN storing TEXT;
