-- An order with its stock reserved, in ONE statement (was BEGIN, set_config, SKU lookup, order, lines +
-- reservations, one UPDATE per product, COMMIT: seven round trips). The organisation context is set for this call
-- only and the previous value restored before returning, as webhook_source() (0015) and org_member() (0016) do.
-- Not SECURITY DEFINER: the caller's table privileges and row-level security apply to every statement inside, and
-- only the owner may execute it.
--
-- p_lines: [{line_no, sku, quantity, unit_price_cents}]; p_demand: the lines consolidated per SKU [{sku, quantity}]
-- (the core consolidates). Outcomes (one row): 'created'; 'existing' (a channel order already recorded under the same connection and external
-- id, returned as recorded, nothing reserved); 'unknown_sku' (unknown_skus); 'out_of_stock' (short_sku, requested,
-- available of the first product short, in product-id order). Unknown SKUs are found before anything is written;
-- a product short undoes the order, its lines and every reservation made (the inner block is a subtransaction):
-- all lines reserved or nothing written.
--
-- Concurrency is today's: a conditional UPDATE per product (the row lock, then READ COMMITTED re-evaluation of
-- `on hand − reserved ≥ q` against the latest committed row: never oversold), in ascending product id (two orders
-- sharing products queue instead of deadlocking), last (a hot row is held from its UPDATE to COMMIT only).
CREATE FUNCTION order_create_reserved(
  p_org uuid,
  p_id uuid,
  p_source text,
  p_connection uuid,
  p_external text,
  p_location text,
  p_currency text,
  p_email text,
  p_expires timestamptz,
  p_lines jsonb,
  p_demand jsonb
)
RETURNS TABLE (
  outcome text,
  created_at timestamptz,
  unknown_skus text[],
  short_sku text,
  requested integer,
  available integer,
  existing json
)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  previous text := coalesce(current_setting('app.org_id', true), '');
  demand record;
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  outcome := 'created';

  SELECT array_agg(l.sku ORDER BY l.n) INTO unknown_skus
  FROM ROWS FROM (jsonb_to_recordset(p_demand) AS (sku text)) WITH ORDINALITY AS l(sku, n)
  WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.organization_id = p_org AND p.sku = l.sku);
  IF unknown_skus IS NOT NULL THEN
    outcome := 'unknown_sku';
  END IF;

  IF outcome = 'created' THEN
    BEGIN
      INSERT INTO orders AS o (id, organization_id, connection_id, external_order_id, source, status, location, currency,
                               customer_email, reservation_expires_at)
      VALUES (p_id, p_org, p_connection, p_external, p_source, 'reserved', p_location, p_currency, p_email, p_expires)
      ON CONFLICT (organization_id, connection_id, external_order_id) WHERE external_order_id IS NOT NULL DO NOTHING
      RETURNING o.created_at INTO created_at;

      IF created_at IS NULL THEN
        outcome := 'existing';
        SELECT json_build_object(
                 'id', o.id, 'organization_id', o.organization_id, 'source', o.source, 'connection_id', o.connection_id,
                 'external_order_id', o.external_order_id, 'status', o.status, 'location', o.location,
                 'currency', o.currency, 'reservation_expires_at', o.reservation_expires_at, 'created_at', o.created_at,
                 'lines', coalesce((SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,
                                                                      'unit_price_cents', l.unit_price_cents)
                                                    ORDER BY l.line_no)
                                    FROM order_lines l WHERE l.order_id = o.id), '[]'::json))
        INTO existing
        FROM orders o
        WHERE o.organization_id = p_org AND o.connection_id = p_connection AND o.external_order_id = p_external;
      ELSE
        INSERT INTO order_lines (order_id, line_no, organization_id, product_id, sku, quantity, unit_price_cents)
        SELECT p_id, l.line_no, p_org, p.id, l.sku, l.quantity, l.unit_price_cents
        FROM jsonb_to_recordset(p_lines) AS l(line_no int, sku text, quantity int, unit_price_cents bigint)
        JOIN products p ON p.organization_id = p_org AND p.sku = l.sku;

        INSERT INTO reservations (order_id, product_id, organization_id, location, quantity, status, expires_at)
        SELECT p_id, p.id, p_org, p_location, d.quantity, 'open', p_expires
        FROM jsonb_to_recordset(p_demand) AS d(sku text, quantity int)
        JOIN products p ON p.organization_id = p_org AND p.sku = d.sku;

        -- The stock last, in product-id order.
        FOR demand IN
          SELECT p.id AS product_id, d.sku, d.quantity
          FROM jsonb_to_recordset(p_demand) AS d(sku text, quantity int)
          JOIN products p ON p.organization_id = p_org AND p.sku = d.sku
          ORDER BY p.id
        LOOP
          UPDATE inventory_levels SET quantity_reserved = quantity_reserved + demand.quantity, updated_at = now()
          WHERE product_id = demand.product_id AND location = p_location
            AND quantity_on_hand - quantity_reserved >= demand.quantity;
          IF NOT FOUND THEN
            short_sku := demand.sku;
            requested := demand.quantity;
            SELECT il.quantity_on_hand - il.quantity_reserved INTO available
            FROM inventory_levels il WHERE il.product_id = demand.product_id AND il.location = p_location;
            available := coalesce(available, 0);
            RAISE EXCEPTION 'out of stock' USING ERRCODE = 'TP409';
          END IF;
        END LOOP;
      END IF;
    EXCEPTION WHEN SQLSTATE 'TP409' THEN
      -- Everything this block wrote is rolled back; the variables set above say which product was short.
      outcome := 'out_of_stock';
      created_at := NULL;
    END;
  END IF;

  PERFORM set_config('app.org_id', previous, true);
  RETURN NEXT;
END
$$;

REVOKE ALL ON FUNCTION order_create_reserved(uuid, uuid, text, uuid, text, text, text, text, timestamptz, jsonb, jsonb) FROM PUBLIC;
