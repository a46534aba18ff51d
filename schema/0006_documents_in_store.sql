-- Packuments are files in the store now (document_dir, issue 9): nginx sends
-- them, and a document is no longer bound by max_allowed_packet. Readers
-- build each one from the rows on its first read after this migration.
DROP TABLE packuments;

-- A publish finds the newest live version and counts them (services/documents):
-- an index walk, not a sort of the package's whole history.
CREATE INDEX versions_live_order ON versions (package_id, unpublished_at, published_at, id);
