-- Shipments of orders: the carrier connection used, the label bought and the tracking number, and the latest
-- tracking state (polled by the scheduler until delivered).
CREATE TABLE shipments (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  connection_id uuid REFERENCES connections (id) ON DELETE SET NULL,
  carrier text NOT NULL CHECK (carrier IN ('fedex', 'dhl')),
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 100),
  tracking_number text NOT NULL CHECK (length(tracking_number) BETWEEN 1 AND 64),
  label_reference text NOT NULL CHECK (length(label_reference) BETWEEN 1 AND 2048),
  status text NOT NULL DEFAULT 'label_created'
    CHECK (status IN ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'unknown')),
  status_description text NOT NULL DEFAULT '' CHECK (length(status_description) <= 200),
  checked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, carrier, tracking_number)
);
CREATE INDEX shipments_order_idx ON shipments (organization_id, order_id);
CREATE INDEX shipments_open_idx ON shipments (checked_at NULLS FIRST) WHERE status <> 'delivered';

ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipments FORCE ROW LEVEL SECURITY;
CREATE POLICY shipments_tenant ON shipments
  USING (organization_id = app_current_org() OR app_platform_access())
  WITH CHECK (organization_id = app_current_org() OR app_platform_access());
