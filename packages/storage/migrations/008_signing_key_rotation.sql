-- Signing keys rotate (auth's `rotate-key`): each key is used from `active_from`, published until
-- `retire_at` (set when a successor comes: once every token it signed has expired), and carries
-- `endorsement`, its predecessor's signed word for it, so verifiers that trust the predecessor
-- take it. A retired key's private half is wiped: `private_jwk` NULL.
ALTER TABLE signing_keys
  MODIFY private_jwk TEXT NULL,
  ADD COLUMN active_from DATETIME(3) NULL,
  ADD COLUMN retire_at DATETIME(3) NULL,
  ADD COLUMN endorsement TEXT NULL;

UPDATE signing_keys SET active_from = created_at WHERE active_from IS NULL;

ALTER TABLE signing_keys MODIFY active_from DATETIME(3) NOT NULL;
