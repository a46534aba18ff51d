-- Accounts after the 2026-12-01 security review (issue 8).
--
-- credential_gen: bumped on every password change and reset, so a cached
-- Basic-auth check dies everywhere in one indexed read.
ALTER TABLE users ADD COLUMN credential_gen INT UNSIGNED NOT NULL DEFAULT 1 AFTER rev;

-- Registering by email proves the address first: a pending registration is
-- only the hash of the mailed link's secret. No account exists until the
-- link's confirmation button is pressed, so nobody can squat an address they
-- cannot read, and an unconfirmed registration blocks nothing. A change of an
-- account's email is proven the same way, at the new address ('change'); the
-- old address gets a link that undoes it and locks the account ('revert').
CREATE TABLE email_confirmations (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    purpose         ENUM('register', 'change', 'revert') NOT NULL DEFAULT 'register',
    user_id         BIGINT UNSIGNED NULL,             -- the account, for change and revert
    email           VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    email_lower     VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin AS (LOWER(email)) STORED,
    token_hash      CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- hex SHA-256
    client_addr     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at      DATETIME(3) NOT NULL,
    UNIQUE KEY email_confirmations_hash (token_hash),
    KEY email_confirmations_email (email_lower),
    KEY email_confirmations_expires (expires_at),
    CONSTRAINT email_confirmations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The web-login approval page shows where and when the login started.
ALTER TABLE web_logins
    ADD COLUMN client_addr VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER create_account,
    ADD COLUMN user_agent VARCHAR(512) NOT NULL DEFAULT '' AFTER client_addr,
    -- the account's credential generation when a person approved it: a
    -- password change or reset in between means no token for the CLI
    ADD COLUMN credential_gen INT UNSIGNED NULL AFTER user_id,
    ADD KEY web_logins_expires (expires_at);

ALTER TABLE tokens ADD KEY tokens_expires (expires_at);

-- Fixed-window counters for rate limits (password checks, mails, web-login
-- starts), shared by every worker on every host. Expired windows are purged.
CREATE TABLE rate_limits (
    bucket          VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    window_start    DATETIME(3) NOT NULL,
    window_seconds  INT UNSIGNED NOT NULL,
    hits            INT UNSIGNED NOT NULL,
    KEY rate_limits_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
