-- Connections to providers (sales channels, marketplaces, carriers, ads), one per organisation, provider and
-- external account. Credentials are sealed by the application's vault (AES-256-GCM, bound to organisation,
-- connection and field); the database only ever sees ciphertext.

-- The explicit platform path: background work that spans organisations (token refresh runner, key rotation)
-- sets app.platform = 'on' in its own transaction. Request handling never does.
CREATE FUNCTION app_platform_access() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('app.platform', true), '') = 'on' $$;

CREATE TABLE connections (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('shopify', 'woocommerce', 'g2a', 'fedex', 'dhl', 'amazon_ads')),
  external_account text NOT NULL CHECK (length(external_account) BETWEEN 1 AND 255),
  display_name text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('connected', 'error', 'needs_reauth', 'disconnected')),
  credentials text,
  credentials_version integer NOT NULL DEFAULT 0,
  token_expires_at timestamptz,
  last_refreshed_at timestamptz,
  last_error text CHECK (length(last_error) <= 500),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, provider, external_account)
);
CREATE INDEX connections_refresh_due_idx ON connections (token_expires_at) WHERE status = 'connected';

ALTER TABLE connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE connections FORCE ROW LEVEL SECURITY;
CREATE POLICY connections_tenant ON connections
  USING (organization_id = app_current_org() OR app_platform_access())
  WITH CHECK (organization_id = app_current_org() OR app_platform_access());
