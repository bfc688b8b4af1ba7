-- failure_patterns rows are ~1.6 kB (the 384-float vector is stored inline), so a full page
-- has no room for a row's new version and every count update moved the row to another page,
-- inserting it into the HNSW index again (tens of ms each). With half of each page kept free
-- the sink's updates, which leave the embedding as it is, stay on the page as HOT updates
-- and touch no index. Pages written from now on keep the space.
ALTER TABLE failure_patterns SET (fillfactor = 50);
