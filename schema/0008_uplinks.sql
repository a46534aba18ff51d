-- Uplinks (issue 11): documents of other registries, cached in the store
-- (document_dir/upstream/NAME/raw.json.gz as the uplink sent it, and the
-- documents depot serves built from it), described here so every worker on
-- every host agrees on what is fresh. A name with a row here has no package
-- row: a local package is never merged with an uplink's.
CREATE TABLE upstream_docs (
    name            VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    uplink          VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status          ENUM('ok', 'missing') NOT NULL,       -- missing: the uplink said 404
    etag            VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NULL,
    last_modified   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    versions        INT UNSIGNED NOT NULL DEFAULT 0,
    bytes           BIGINT UNSIGNED NOT NULL DEFAULT 0,    -- the uplink's document, inflated
    fetched_at      DATETIME(3) NOT NULL,                  -- the uplink's last answer (200, 304, 404)
    fresh_until     DATETIME(3) NOT NULL,
    served          TINYINT(1) NOT NULL DEFAULT 0,         -- its files are up in public/ for nginx
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY upstream_docs_expiry (served, fresh_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An uplink that failed is left alone for a few seconds: meanwhile cached
-- documents are served stale at once and uncached names fail at once.
CREATE TABLE uplink_state (
    uplink          VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    down_until      DATETIME(3) NOT NULL,
    failures        INT UNSIGNED NOT NULL DEFAULT 0,
    last_error      VARCHAR(512) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The change log keeps proxied documents apart from local changes.
ALTER TABLE changes ADD COLUMN origin ENUM('local', 'uplink') NOT NULL DEFAULT 'local';
CREATE INDEX changes_origin ON changes (origin, seq);
