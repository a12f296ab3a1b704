-- The account lifecycle: confirmed addresses and one-time account tokens (email verification, password reset).
--
-- Accounts created before verification existed keep working: they count as confirmed from their creation.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;

-- A token is `<selector>.<verifier>`: the selector finds the row, only the verifier's SHA-256 is stored. A platform
-- table like refresh_tokens (looked up before anyone is authenticated), reached only through its repository.
CREATE TABLE account_tokens (
  selector text PRIMARY KEY CHECK (selector ~ '^[A-Za-z0-9_-]{22}$'),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  verifier_hash bytea NOT NULL CHECK (octet_length(verifier_hash) = 32),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL;
-- Member removal revokes the member's sessions in that organisation.
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id, organization_id) WHERE status = 'active';
