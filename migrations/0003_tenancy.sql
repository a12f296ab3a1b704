-- Tenant isolation enforced by the database, sessions and the audit log.
--
-- Every tenant table carries organization_id and has row-level security FORCEd (so it applies to the table
-- owner too; the application role is never a superuser and never BYPASSRLS). Policies read the per-transaction
-- settings app.org_id (the organisation a request acts for) and app.user_id (the authenticated user); with
-- neither set, tenant tables show no rows at all.

CREATE FUNCTION app_current_org() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Memberships are visible to their organisation, and to their own user (to choose an organisation at login).
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant ON memberships
  USING (organization_id = app_current_org() OR user_id = app_current_user())
  WITH CHECK (organization_id = app_current_org());

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_tenant ON organizations
  USING (id = app_current_org() OR id IN (SELECT organization_id FROM memberships WHERE user_id = app_current_user()))
  WITH CHECK (id = app_current_org());

-- Who did what, in which organisation, on behalf of which request. Platform events (a lockout for an address
-- that may not exist) have no organisation and are invisible to tenants.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
  actor_user_id uuid,
  action text NOT NULL,
  target text,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_time_idx ON audit_log (organization_id, occurred_at DESC, id DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (organization_id = app_current_org());
CREATE POLICY audit_log_write ON audit_log FOR INSERT
  WITH CHECK (organization_id IS NULL OR organization_id = app_current_org());

-- Refresh tokens: only their SHA-256 is stored. A login starts a family; each refresh rotates within it;
-- presenting a rotated token again revokes the whole family. A platform table (looked up by token hash before
-- any organisation is known), reached only through the session repository.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  token_hash bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
