-- A refresh token's family: the tokens one sign-in's chain of refreshes made. A token of the
-- family used again after it was rotated (or revoked) was copied: the whole family is revoked,
-- the thief's tokens and the owner's alike (auth's TokenService.refreshGrant).
ALTER TABLE refresh_tokens ADD COLUMN family CHAR(22) NULL;

-- Tokens issued before: each a family of its own.
UPDATE refresh_tokens SET family = LEFT(token_hash, 22) WHERE family IS NULL;

ALTER TABLE refresh_tokens MODIFY family CHAR(22) NOT NULL, ADD KEY ix_refresh_family (family);
