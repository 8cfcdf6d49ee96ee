-- The entity model's output per text it read, so that a brief refresh reads only new texts
-- (newsbrief.store.briefcache). key: the first 8 bytes of a BLAKE2b digest of the model
-- identity and the exact text (the row id: no second index); data: the zlib-packed tokens
-- and mentions, beginning with the digest's other 8 bytes, checked when read.
CREATE TABLE IF NOT EXISTS parsed_texts (
    key   INTEGER PRIMARY KEY,
    data  BLOB NOT NULL
);
