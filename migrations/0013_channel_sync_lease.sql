-- The scheduler's order polling claims a connection for a while (several scheduler instances never sync the same
-- connection at once; a crashed instance's claim lapses).
ALTER TABLE connections
  ADD COLUMN orders_sync_lease_owner text,
  ADD COLUMN orders_sync_lease_until timestamptz;
CREATE INDEX connections_orders_sync_idx ON connections (orders_synced_at NULLS FIRST)
  WHERE status = 'connected' AND provider IN ('shopify', 'woocommerce');

-- When the connection was last (re)connected: a provider event triggered before it (a delayed uninstall
-- notice from before a reinstall) must not undo it.
ALTER TABLE connections ADD COLUMN connected_at timestamptz NOT NULL DEFAULT now();

-- Channel orders cancelled before we ever held them: a late (retried) creation of the same order must not
-- reserve stock for it afterwards.
CREATE TABLE channel_order_tombstones (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  external_order_id text NOT NULL CHECK (length(external_order_id) BETWEEN 1 AND 255),
  cancelled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, connection_id, external_order_id)
);
ALTER TABLE channel_order_tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_order_tombstones FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_order_tombstones_tenant ON channel_order_tombstones
  USING (organization_id = app_current_org() OR app_platform_access())
  WITH CHECK (organization_id = app_current_org() OR app_platform_access());
