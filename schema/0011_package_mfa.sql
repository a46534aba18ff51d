-- npm access set mfa=none|publish|automation (issue 12): a package may
-- require a one-time password to publish, and may let automation tokens
-- (granular tokens made with bypass_2fa) publish without one.
ALTER TABLE packages
    ADD COLUMN publish_requires_tfa           BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN automation_token_overrides_tfa BOOLEAN NOT NULL DEFAULT FALSE;
