-- A webhook event recorded and its order change made in ONE statement (was BEGIN, set_config, event, tombstone
-- check, SKU lookup, order, lines + reservations, stock, COMMIT for a new order; BEGIN, set_config, event, order
-- lookup, order FOR UPDATE, stock locks, stock, reservations, order, order read-back, COMMIT for a cancellation).
-- The organisation context is set for this call only and the previous value restored, as in order_create_reserved()
-- (0019), webhook_source() (0015) and org_member() (0016). Not SECURITY DEFINER: the caller's privileges and
-- row-level security apply inside; only the owner may execute it.
--
-- Exactly once: the event is inserted first (unique per connection and event id); a concurrent delivery of the same
-- event waits on the unique index and, once this one commits, finds it: 'duplicate', nothing changed.
--
-- p_change is the core's change as data (core/channels/OrderChange.ts):
--   {"kind":"create", "id", "location", "currency", "email", "expires", "lines", "demand", "external"}
--     → order_create_reserved() for the channel order, unless the channel cancelled it before (tombstone): 'buried'.
--   {"kind":"move", "external", "action", "moves":[{"from","to","stock"}], "unchanged":[status], "skip_if_buried",
--    "when_missing": "bury" | "ignore" | "retry"}
--     → the order recorded under the external id, locked, moved as the status machine's transitions say, its stock
--       committed or released (inventory rows locked in product-id order, as reservations do).
-- A refusal ('unknown_sku', 'out_of_stock', 'illegal', 'missing' with when_missing 'retry') changes nothing and
-- removes the event's record again (the pipeline records failures itself, or the sender retries).
CREATE FUNCTION webhook_apply(
  p_org uuid,
  p_provider text,
  p_event_id text,
  p_connection uuid,
  p_topic text,
  p_payload text,
  p_change jsonb
)
RETURNS TABLE (
  result text,
  unknown_skus text[],
  short_sku text,
  requested integer,
  available integer,
  from_status text
)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
  previous text := coalesce(current_setting('app.org_id', true), '');
  v_event uuid;
  v_external text := p_change->>'external';
  v_order uuid;
  v_status text;
  v_to text;
  v_stock text;
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);

  INSERT INTO webhook_events (id, provider, event_id, organization_id, connection_id, topic, payload, outcome)
  VALUES (gen_random_uuid(), p_provider, p_event_id, p_org, p_connection, p_topic, p_payload, 'applied')
  ON CONFLICT (connection_id, event_id) DO NOTHING
  RETURNING id INTO v_event;

  IF v_event IS NULL THEN
    result := 'duplicate';
  ELSIF (p_change->>'kind' = 'create' OR (p_change->>'skip_if_buried')::boolean)
        AND EXISTS (SELECT 1 FROM channel_order_tombstones t
                    WHERE t.organization_id = p_org AND t.connection_id = p_connection
                      AND t.external_order_id = v_external) THEN
    result := 'buried';
  ELSIF p_change->>'kind' = 'create' THEN
    SELECT c.outcome, c.unknown_skus, c.short_sku, c.requested, c.available
    INTO result, unknown_skus, short_sku, requested, available
    FROM order_create_reserved(p_org, (p_change->>'id')::uuid, 'channel', p_connection, v_external,
                               p_change->>'location', p_change->>'currency', p_change->>'email',
                               (p_change->>'expires')::timestamptz, p_change->'lines', p_change->'demand') c;
  ELSE
    SELECT o.id, o.status INTO v_order, v_status
    FROM orders o
    WHERE o.organization_id = p_org AND o.connection_id = p_connection AND o.external_order_id = v_external
    FOR UPDATE;
    IF v_order IS NULL THEN
      result := 'missing';
      IF p_change->>'when_missing' = 'bury' THEN
        INSERT INTO channel_order_tombstones (organization_id, connection_id, external_order_id)
        VALUES (p_org, p_connection, v_external) ON CONFLICT DO NOTHING;
      END IF;
    ELSIF p_change->'unchanged' ? v_status THEN
      result := 'unchanged';
    ELSE
      SELECT m."to", m.stock INTO v_to, v_stock
      FROM jsonb_to_recordset(p_change->'moves') AS m("from" text, "to" text, stock text)
      WHERE m."from" = v_status;
      IF v_to IS NULL THEN
        result := 'illegal';
        from_status := v_status;
      ELSE
        IF v_stock <> 'none' THEN
          PERFORM 1 FROM inventory_levels il
            JOIN reservations r ON r.product_id = il.product_id AND r.location = il.location
          WHERE r.order_id = v_order AND r.status = 'open' ORDER BY il.product_id FOR UPDATE OF il;
          UPDATE inventory_levels il
          SET quantity_on_hand = il.quantity_on_hand - CASE WHEN v_stock = 'commit' THEN r.quantity ELSE 0 END,
              quantity_reserved = il.quantity_reserved - r.quantity, updated_at = now()
          FROM reservations r
          WHERE r.order_id = v_order AND r.status = 'open' AND il.product_id = r.product_id AND il.location = r.location;
          UPDATE reservations SET status = CASE WHEN v_stock = 'commit' THEN 'committed' ELSE 'released' END
          WHERE order_id = v_order AND status = 'open';
        END IF;
        UPDATE orders SET status = v_to, updated_at = now(),
          reservation_expires_at = CASE WHEN v_to = 'reserved' THEN reservation_expires_at END
        WHERE id = v_order;
        result := 'moved';
      END IF;
    END IF;
  END IF;

  IF result IN ('unknown_sku', 'out_of_stock', 'illegal')
     OR (result = 'missing' AND p_change->>'when_missing' = 'retry') THEN
    DELETE FROM webhook_events WHERE id = v_event;
  END IF;

  PERFORM set_config('app.org_id', previous, true);
  RETURN NEXT;
END
$$;

REVOKE ALL ON FUNCTION webhook_apply(uuid, text, text, uuid, text, text, jsonb) FROM PUBLIC;
