-- Two-factor authentication (issue 12): a TOTP secret per account (RFC 6238,
-- SHA-1, 6 digits, 30 s), pending until a first code confirms it, and
-- recovery codes stored hashed, each usable once. last_step and
-- last_credential stop a code from serving twice, except to the credential
-- that used it first (npm publishes every workspace with one --otp).
CREATE TABLE user_tfa (
    user_id         BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    secret          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- base32
    mode            ENUM('auth-only', 'auth-and-writes') NOT NULL,
    pending         TINYINT(1) NOT NULL DEFAULT 1,
    last_step       BIGINT NOT NULL DEFAULT 0,
    last_credential VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    CONSTRAINT user_tfa_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE recovery_codes (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id         BIGINT UNSIGNED NOT NULL,
    code_hash       CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- SHA-256 hex
    used_at         DATETIME(3) NULL,
    KEY recovery_codes_user (user_id),
    CONSTRAINT recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- npm profile set fullname.
ALTER TABLE users ADD COLUMN fullname VARCHAR(254) NULL;
