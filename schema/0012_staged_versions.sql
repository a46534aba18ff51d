-- Staged publishing (issue 12, npm stage): a version uploaded but not live,
-- holding its version number, until an owner approves it with a one-time
-- password (then it is published as any version is) or rejects it. The
-- publish body waits in the store (tarball_dir/_staged/ID.json).
CREATE TABLE staged_versions (
    id              CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,  -- a UUID
    package_id      BIGINT UNSIGNED NOT NULL,
    version         VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    tag             VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NULL,
    shasum          CHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    body_key        VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    actor_user_id   BIGINT UNSIGNED NULL,
    actor_name      VARCHAR(254) NULL,
    actor_type      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY staged_versions_version (package_id, version),
    CONSTRAINT staged_versions_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- depotctl package require-staging NAME: publishes with granular tokens
-- (CI) must be staged.
ALTER TABLE packages ADD COLUMN require_staging BOOLEAN NOT NULL DEFAULT FALSE;
