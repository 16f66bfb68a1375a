-- The SK_ADMIN_PASSWORD auth last applied to an operator it seeded (a scrypt hash; NULL for every
-- user the environment does not manage): auth applies the variable again only when it changes, so a
-- password changed since by other means stands, and an operator seeded under an earlier
-- SK_ADMIN_USER can be told apart (it loses the admin role).
ALTER TABLE users ADD COLUMN env_password_hash VARCHAR(255) NULL;

-- Before this, only seeding granted the admin role and it applied the password at every start.
UPDATE users SET env_password_hash = password_hash WHERE FIND_IN_SET('admin', roles) > 0;
