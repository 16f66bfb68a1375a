-- Operators' blacklists (the truth; Redis holds a copy for sk-app). Automatic bans live in Redis only: they expire.
CREATE TABLE blacklist (
  kind ENUM('user', 'ip') NOT NULL,
  value VARCHAR(64) NOT NULL,
  reason VARCHAR(200) NOT NULL DEFAULT '',
  created_by VARCHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (kind, value)
) ENGINE=InnoDB;
