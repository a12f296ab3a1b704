-- A sign-up creates no account until its address is confirmed: the pending sign-up (address, organisation name,
-- password hash) waits in its one-time token, and the organisation and owner are created when the link is followed.
-- So a token's subject is a user (password reset) or a pending sign-up (no user yet).
ALTER TABLE account_tokens ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE account_tokens ADD COLUMN email text CHECK (email = lower(email));
ALTER TABLE account_tokens ADD COLUMN organization_name text CHECK (length(organization_name) BETWEEN 1 AND 200);
ALTER TABLE account_tokens ADD COLUMN password_hash text;
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
  CHECK (purpose IN ('sign_up', 'verify_email', 'reset_password'));
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_subject_check CHECK (
  CASE WHEN purpose = 'sign_up'
    THEN user_id IS NULL AND email IS NOT NULL AND organization_name IS NOT NULL AND password_hash IS NOT NULL
    ELSE user_id IS NOT NULL AND email IS NULL AND organization_name IS NULL AND password_hash IS NULL
  END
);
CREATE INDEX account_tokens_sign_up_idx ON account_tokens (email, created_at DESC) WHERE purpose = 'sign_up';
-- Links that confirmed an account created at sign-up (whose password may be a stranger's) no longer work.
UPDATE account_tokens SET used_at = now() WHERE purpose = 'verify_email' AND used_at IS NULL;
