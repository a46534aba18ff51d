-- Granular tokens (issue 12), as npm token create makes them since npm 11:
-- limited to packages and scopes ("*" in packages: all of the account's),
-- a permission on them, an expiry (at most token_max_days), and whether
-- they may write without a one-time password. Tokens made before, and the
-- legacy body ({password, readonly, cidr_whitelist}), stay classic until
-- ops retire them (depotctl tokens expire --classic).
ALTER TABLE tokens
    ADD COLUMN granular    BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN description VARCHAR(1024) NULL,
    ADD COLUMN packages    TEXT NULL,                                          -- space-separated names
    ADD COLUMN scopes      TEXT NULL,                                          -- space-separated @scopes
    ADD COLUMN permission  ENUM('read-only', 'read-write', 'no-access') NULL,
    ADD COLUMN bypass_2fa  BOOLEAN NOT NULL DEFAULT FALSE;
