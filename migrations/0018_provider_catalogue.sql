-- Which providers exist is the provider catalogue's business (core/providers, apps/shared/Catalogue.ts), not a
-- list repeated in SQL: connection and shipment rows only need a well-formed provider id. The channel polling
-- index covers every connected connection; the claim names the catalogue's channel providers.
ALTER TABLE connections DROP CONSTRAINT connections_provider_check;
ALTER TABLE connections ADD CONSTRAINT connections_provider_check
  CHECK (provider ~ '^[a-z][a-z0-9_]{1,31}$') NOT VALID;
ALTER TABLE connections VALIDATE CONSTRAINT connections_provider_check;

ALTER TABLE shipments DROP CONSTRAINT shipments_carrier_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_carrier_check
  CHECK (carrier ~ '^[a-z][a-z0-9_]{1,31}$') NOT VALID;
ALTER TABLE shipments VALIDATE CONSTRAINT shipments_carrier_check;

DROP INDEX connections_orders_sync_idx;
CREATE INDEX connections_orders_sync_idx ON connections (orders_synced_at NULLS FIRST) WHERE status = 'connected';
