-- Catalogue, inventory, orders and reservations; idempotency records; the webhook event store.
-- Every table carries organization_id with row-level security FORCEd (webhook_events: see below).

CREATE TABLE products (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  sku text NOT NULL CHECK (length(sku) BETWEEN 1 AND 100),
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 300),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, sku)
);

-- Quantities can never go negative and nothing can be reserved that is not on hand: the last line of defence
-- (the domain never relies on it: reservations are conditional updates).
CREATE TABLE inventory_levels (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  location text NOT NULL DEFAULT 'default' CHECK (length(location) BETWEEN 1 AND 64),
  quantity_on_hand integer NOT NULL DEFAULT 0 CHECK (quantity_on_hand >= 0),
  quantity_reserved integer NOT NULL DEFAULT 0 CHECK (quantity_reserved >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, location),
  CHECK (quantity_reserved <= quantity_on_hand)
);
CREATE INDEX inventory_levels_org_idx ON inventory_levels (organization_id);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  connection_id uuid REFERENCES connections (id) ON DELETE SET NULL,
  external_order_id text CHECK (length(external_order_id) <= 255),
  source text NOT NULL CHECK (source IN ('api', 'channel')),
  status text NOT NULL CHECK (status IN ('pending', 'reserved', 'fulfilled', 'cancelled')),
  location text NOT NULL DEFAULT 'default',
  currency text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  customer_email text,
  reservation_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A channel order exists once per organisation, connection and external id: duplicates return the existing one.
CREATE UNIQUE INDEX orders_channel_key ON orders (organization_id, connection_id, external_order_id)
  WHERE external_order_id IS NOT NULL;
CREATE INDEX orders_org_created_idx ON orders (organization_id, created_at DESC, id DESC);
CREATE INDEX orders_reservation_expiry_idx ON orders (reservation_expires_at) WHERE status = 'reserved';

CREATE TABLE order_lines (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line_no integer NOT NULL CHECK (line_no >= 1),
  organization_id uuid NOT NULL,
  product_id uuid NOT NULL REFERENCES products (id),
  sku text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint NOT NULL DEFAULT 0 CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, line_no)
);

-- One reservation per order and product (lines sharing a SKU are summed first).
CREATE TABLE reservations (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES products (id),
  organization_id uuid NOT NULL,
  location text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  status text NOT NULL CHECK (status IN ('open', 'committed', 'released')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, product_id)
);

-- Idempotency-Key records (Stripe semantics): the first response is kept and replayed for 24 hours.
CREATE TABLE idempotency_records (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  operation text NOT NULL,
  request_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
  response_status integer,
  response_body jsonb,
  locked_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (organization_id, idempotency_key)
);
CREATE INDEX idempotency_records_expiry_idx ON idempotency_records (expires_at);

-- Every inbound webhook as received, with its outcome. Unique per provider and event id: a delivery is applied
-- at most once, in the same transaction as its effect.
CREATE TABLE webhook_events (
  id uuid PRIMARY KEY,
  provider text NOT NULL,
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
  organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
  connection_id uuid,
  topic text,
  payload text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'ignored', 'failed')),
  detail text,
  attempts integer NOT NULL DEFAULT 1,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, event_id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['products', 'inventory_levels', 'orders', 'order_lines', 'reservations', 'idempotency_records', 'webhook_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I USING (organization_id = app_current_org() OR app_platform_access()) WITH CHECK (organization_id = app_current_org() OR app_platform_access())',
      t || '_tenant', t);
  END LOOP;
END $$;
