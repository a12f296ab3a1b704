-- The scheduler's order polling claims a connection for a while (several scheduler instances never sync the same
-- connection at once; a crashed instance's claim lapses).
ALTER TABLE connections
  ADD COLUMN orders_sync_lease_owner text,
  ADD COLUMN orders_sync_lease_until timestamptz;
CREATE INDEX connections_orders_sync_idx ON connections (orders_synced_at NULLS FIRST)
  WHERE status = 'connected' AND provider IN ('shopify', 'woocommerce');
