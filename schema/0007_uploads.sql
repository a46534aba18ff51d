-- A publish writes its tarball before its transaction commits (issue 10): the
-- intent is recorded first, in its own commit, and the publish's transaction
-- deletes it. A row left behind names a file a killed worker may have
-- stored; the sweep (depot-fcgi at start and every few minutes, depotctl
-- sweep) removes that file once no version uses it.
CREATE TABLE uploads (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    tarball_key     VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY uploads_key (tarball_key),
    KEY uploads_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The sweep asks whether a version uses a file.
CREATE INDEX versions_tarball_key ON versions (tarball_key);
