-- depot's data model for the whole road: accounts and tokens (npm and the web
-- design of SPEC §3), packages with owners, versions, dist-tags, stars,
-- access, the stored packument bytes, the change log every write appends to,
-- advisories for npm audit, and web-login sessions.
-- InnoDB, utf8mb4. Names, versions and tags are ASCII by npm's rules and use
-- binary collation so that 'A' and 'a' are different keys, as npm treats them.

CREATE TABLE users (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- npm user name
    email           VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    email_lower     VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
                        AS (LOWER(email)) STORED,
    password_hash   VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- "pbkdf2-sha256$iter$salt$hash"
    legacy_salt     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- CouchDB password_sha accounts,
    legacy_sha      CHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL,      -- rehashed on first use
    rev             INT UNSIGNED NOT NULL DEFAULT 1,                          -- CouchDB user document _rev
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY users_name (name),
    UNIQUE KEY users_email (email_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE packages (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    scope           VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NULL,
    access          ENUM('public', 'restricted') NOT NULL DEFAULT 'public',
    rev             INT UNSIGNED NOT NULL DEFAULT 0,  -- packument _rev counter
    description     TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
    keywords        TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,  -- space-joined
    search_name     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
                                                       -- the name split into words by the app
    readme          MEDIUMTEXT NULL,
    nightly_url     VARCHAR(2048) NULL,                -- SPEC §3 nightly pointer
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    modified_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    unpublished_at  DATETIME(3) NULL,                  -- whole package unpublished: tombstone
    UNIQUE KEY packages_name (name),
    FULLTEXT KEY packages_search (search_name, description, keywords)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE package_owners (
    package_id      BIGINT UNSIGNED NOT NULL,
    user_id         BIGINT UNSIGNED NOT NULL,
    permission      ENUM('write', 'read') NOT NULL DEFAULT 'write',  -- read: collaborator of a private package
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (package_id, user_id),
    KEY package_owners_user (user_id),
    CONSTRAINT package_owners_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT package_owners_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE versions (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    package_id      BIGINT UNSIGNED NOT NULL,
    version         VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    manifest        LONGTEXT NOT NULL,               -- the version object as served, JSON
    shasum          CHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    integrity       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- sha512-…
    size            BIGINT UNSIGNED NOT NULL DEFAULT 0,
    tarball_key     VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- key in the tarball store
    tarball_url     VARCHAR(2048) NULL,              -- SPEC §3 pointer versions: the link
    published_by    BIGINT UNSIGNED NULL,
    published_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deprecated      TEXT NULL,
    unpublished_at  DATETIME(3) NULL,                -- tombstone: the version can never come back
    UNIQUE KEY versions_package_version (package_id, version),
    KEY versions_published_by (published_by),
    CONSTRAINT versions_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT versions_user FOREIGN KEY (published_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dist_tags (
    package_id      BIGINT UNSIGNED NOT NULL,
    tag             VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version_id      BIGINT UNSIGNED NOT NULL,
    updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (package_id, tag),
    KEY dist_tags_version (version_id),
    CONSTRAINT dist_tags_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT dist_tags_version FOREIGN KEY (version_id) REFERENCES versions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE stars (
    package_id      BIGINT UNSIGNED NOT NULL,
    user_id         BIGINT UNSIGNED NOT NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (package_id, user_id),
    KEY stars_user (user_id),
    CONSTRAINT stars_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE,
    CONSTRAINT stars_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every kind of token in one table, stored only as SHA-256 of the secret.
-- user: npm and web user tokens (SPEC §3 ut); project: pt, for one package;
-- reset: rt, one hour, single use; session: the AuthSession cookie of /_session.
CREATE TABLE tokens (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            ENUM('user', 'project', 'reset', 'session') NOT NULL,
    token_hash      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- hex SHA-256
    key_id          CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- public id (npm token list "key")
    token_prefix    VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',  -- shown in lists
    name            VARCHAR(255) NULL,
    user_id         BIGINT UNSIGNED NULL,
    package_id      BIGINT UNSIGNED NULL,
    readonly        BOOLEAN NOT NULL DEFAULT FALSE,
    cidr_whitelist  TEXT NULL,                       -- space-separated CIDR ranges
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    last_used_at    DATETIME(3) NULL,
    expires_at      DATETIME(3) NULL,
    revoked_at      DATETIME(3) NULL,
    UNIQUE KEY tokens_hash (token_hash),
    UNIQUE KEY tokens_key (key_id),
    KEY tokens_user (user_id, kind),
    KEY tokens_package (package_id),
    CONSTRAINT tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT tokens_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- npm's web login (POST /-/v1/login): a browser approves, the CLI polls, and
-- the token is minted only when the CLI collects it, so no secret is stored.
CREATE TABLE web_logins (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    login_hash      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- hex SHA-256 of the loginUrl id
    done_hash       CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- hex SHA-256 of the doneUrl id
    user_id         BIGINT UNSIGNED NULL,            -- set when approved
    create_account  BOOLEAN NOT NULL DEFAULT FALSE,  -- npm adduser: the page offers sign-up
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at      DATETIME(3) NOT NULL,
    UNIQUE KEY web_logins_login (login_hash),
    UNIQUE KEY web_logins_done (done_hash),
    CONSTRAINT web_logins_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The packument bytes, built on every change and served as stored (SPEC §2).
CREATE TABLE packuments (
    package_id      BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    full_json       LONGBLOB NOT NULL,
    full_etag       VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    abbrev_json     LONGBLOB NOT NULL,
    abbrev_etag     VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    built_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    CONSTRAINT packuments_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The change log: every write appends here in its own transaction, for
-- mirrors (GET /-/changes) and for people (depotctl log). No foreign keys, so
-- the record outlives what it describes.
CREATE TABLE changes (
    seq             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    package_id      BIGINT UNSIGNED NULL,
    package_name    VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NULL,
    kind            VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- publish, tag, deprecate, …
    actor_user_id   BIGINT UNSIGNED NULL,
    actor_name      VARCHAR(254) NULL,
    detail          TEXT NULL,                        -- JSON
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY changes_package (package_name, seq),
    KEY changes_actor (actor_user_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Advisories that ops record for packages published here (npm audit).
CREATE TABLE advisories (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    package_name        VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    vulnerable_versions VARCHAR(1024) NOT NULL DEFAULT '*',
    severity            ENUM('info', 'low', 'moderate', 'high', 'critical') NOT NULL DEFAULT 'high',
    title               VARCHAR(1024) NOT NULL,
    url                 VARCHAR(2048) NULL,
    created_at          DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY advisories_package (package_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
