-- npm's supply-chain contract (issue 13): registry signing keys, a signature
-- on every version, Sigstore attestations, and trusted publishing (OIDC).

-- ECDSA P-256 keys. The private half is sealed (AES-256-GCM) with the key-
-- encryption key in the file signing_kek_file names, so every worker on
-- every host reads the same keys and a database dump alone signs nothing.
-- One key is active (signs new versions); a key with expires_at stays listed
-- so versions published before then still verify (pacote compares
-- time[version] with it).
CREATE TABLE signing_keys (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    keyid           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,   -- "SHA256:" + base64 of the DER's SHA-256
    public_key      VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- base64 SPKI DER
    private_sealed  TEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,          -- base64(nonce | PKCS#8 sealed | tag)
    kek_id          CHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,      -- which KEK sealed it
    active          TINYINT NULL,                                                 -- 1 for the signing key, else NULL
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at      DATETIME(3) NULL,
    UNIQUE KEY signing_keys_keyid (keyid),
    UNIQUE KEY signing_keys_active (active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The registry's signature over "NAME@VERSION:INTEGRITY", and who published
-- through trusted publishing (_npmUser.trustedPublisher).
ALTER TABLE versions
    ADD COLUMN sig_keyid       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN sig             VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN trusted_publisher VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- github, gitlab, an issuer's name
    ADD COLUMN oidc_config_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- A version's Sigstore bundles, as GET /-/npm/v1/attestations/NAME@VERSION
-- answers them (built at publish, sent as stored), and what the package page
-- shows of the provenance.
CREATE TABLE attestations (
    version_id      BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    predicate_type  VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    document        MEDIUMTEXT NOT NULL,                -- {"attestations":[…]}
    source_repo     VARCHAR(1024) NULL,
    workflow        VARCHAR(1024) NULL,
    commit_sha      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    build_url       VARCHAR(2048) NULL,
    CONSTRAINT attestations_version FOREIGN KEY (version_id) REFERENCES versions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- npm trust: one trusted publisher per package, as on npm's registry.
CREATE TABLE trust_configs (
    id              CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,  -- a UUID
    package_id      BIGINT UNSIGNED NOT NULL,
    type            VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,          -- github, gitlab, or a configured issuer
    claims          TEXT NOT NULL,                                                         -- JSON object, as npm sent it
    permissions     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,         -- space-separated
    created_by      BIGINT UNSIGNED NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY trust_configs_package (package_id),
    CONSTRAINT trust_configs_package FOREIGN KEY (package_id) REFERENCES packages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The short-lived token an OIDC exchange mints: no account, one package.
ALTER TABLE tokens
    MODIFY COLUMN kind ENUM('user', 'project', 'reset', 'session', 'oidc') NOT NULL,
    ADD COLUMN trust_config_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- A JWT's id is used once (a replayed exchange mints nothing).
CREATE TABLE oidc_jti (
    jti_hash        CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    expires_at      DATETIME(3) NOT NULL,
    KEY oidc_jti_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
