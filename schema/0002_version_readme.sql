-- Each version keeps its own README, so the web page of an older version
-- (GET /NAME/v/VERSION) shows the README it was published with.
ALTER TABLE versions ADD COLUMN readme MEDIUMTEXT NULL AFTER manifest;
