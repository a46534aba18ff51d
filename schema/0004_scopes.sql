-- Scopes have owners (issue 8, review M6). @NAME belongs to the user NAME;
-- any other scope to its first publisher, or to whom ops assign it with
-- `depotctl scope`. Only members create new packages in a scope; npm's org
-- commands (npm org set|rm|ls) manage the members.
CREATE TABLE scopes (
    name            VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,  -- without '@'
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE scope_members (
    scope           VARCHAR(214) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id         BIGINT UNSIGNED NOT NULL,
    role            ENUM('developer', 'admin', 'owner') NOT NULL DEFAULT 'developer',
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (scope, user_id),
    KEY scope_members_user (user_id),
    CONSTRAINT scope_members_scope FOREIGN KEY (scope) REFERENCES scopes (name) ON DELETE CASCADE,
    CONSTRAINT scope_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Scopes already in use before this change. A scope named after a user goes
-- to that user when the user owns a package in it (an account that only
-- shares the name, registered by anyone, gets nothing). Any other scope goes
-- to its earliest publisher: the first owner of its oldest package. Everyone
-- else who owns a package in a scope (several publishers could share one
-- before) becomes a 'developer' member, so nobody loses the packages they
-- publish; an owner can remove them with `npm org rm`, and ops can change
-- any of it with `depotctl scope`.
INSERT INTO scopes (name)
    SELECT DISTINCT scope FROM packages WHERE scope IS NOT NULL AND scope <> '';

INSERT INTO scope_members (scope, user_id, role)
    SELECT s.name, u.id, 'owner' FROM scopes s JOIN users u ON u.name = s.name
    WHERE EXISTS (SELECT 1 FROM packages p JOIN package_owners o ON o.package_id = p.id
                  WHERE p.scope = s.name AND o.user_id = u.id);

INSERT IGNORE INTO scope_members (scope, user_id, role)
    SELECT ranked.scope, ranked.user_id, 'owner' FROM (
        SELECT p.scope, o.user_id,
               ROW_NUMBER() OVER (PARTITION BY p.scope
                                  ORDER BY p.created_at, p.id, o.created_at, o.user_id) AS n
        FROM packages p JOIN package_owners o ON o.package_id = p.id
        WHERE p.scope IS NOT NULL AND p.scope <> '') ranked
    WHERE ranked.n = 1
      AND NOT EXISTS (SELECT 1 FROM scope_members m
                      WHERE m.scope = ranked.scope AND m.role = 'owner');

INSERT IGNORE INTO scope_members (scope, user_id, role)
    SELECT DISTINCT p.scope, o.user_id, 'developer'
    FROM packages p JOIN package_owners o ON o.package_id = p.id
    WHERE p.scope IS NOT NULL AND p.scope <> '';
