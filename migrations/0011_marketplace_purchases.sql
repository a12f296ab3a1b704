-- Purchases an organisation made on a marketplace (G2A orders created through Tradeport) and the status the
-- marketplace reports for them by webhook. One row per (organisation, provider, account, external order id).
CREATE TABLE marketplace_purchases (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('g2a')),
  -- Which marketplace account the order was placed with (order ids are only unique per account and environment).
  account_id text NOT NULL CHECK (length(account_id) BETWEEN 1 AND 64),
  external_order_id text NOT NULL CHECK (length(external_order_id) BETWEEN 1 AND 255),
  product_id text NOT NULL CHECK (length(product_id) BETWEEN 1 AND 64),
  price numeric(14, 2) NOT NULL CHECK (price >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status text NOT NULL CHECK (status IN ('pending', 'complete', 'canceled', 'refunded')),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, provider, account_id, external_order_id)
);
CREATE INDEX marketplace_purchases_org_created_idx ON marketplace_purchases (organization_id, created_at DESC);
-- Webhooks to the deployment's account name an order, not an organisation.
CREATE INDEX marketplace_purchases_external_idx ON marketplace_purchases (provider, account_id, external_order_id);

ALTER TABLE marketplace_purchases ENABLE ROW LEVEL SECURITY;
ALTER TABLE marketplace_purchases FORCE ROW LEVEL SECURITY;
CREATE POLICY marketplace_purchases_tenant ON marketplace_purchases
  USING (organization_id = app_current_org() OR app_platform_access())
  WITH CHECK (organization_id = app_current_org() OR app_platform_access());
