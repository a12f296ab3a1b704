/**
 * The scratch schema of `bench:buckets`: an order table, a product's stock as one row (stock_one) or as N bucket
 * rows (stock_buckets), and the two reservation functions pgbench calls. Bench-only; the app's schema is in
 * migrations/. No CHECK constraint on the stock: the bench checks "never oversold" itself after every run.
 */
export const schema = (designs: ReadonlyArray<number>) => `
CREATE TABLE sales (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  product int NOT NULL,
  quantity int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE stock_one (product int PRIMARY KEY, on_hand bigint NOT NULL, reserved bigint NOT NULL DEFAULT 0,
                        updated_at timestamptz);
CREATE TABLE stock_buckets (product int, bucket int, on_hand bigint NOT NULL, reserved bigint NOT NULL DEFAULT 0,
                            updated_at timestamptz, PRIMARY KEY (product, bucket));
-- How often a reservation found no free bucket and had to wait (waited) or lock every bucket (spread).
CREATE SEQUENCE waited;
CREATE SEQUENCE spread;

-- Today's shape: the order row, then one conditional UPDATE of the product's row; a refusal undoes the order.
CREATE FUNCTION reserve_one(p_product int, p_qty int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    INSERT INTO sales (product, quantity) VALUES (p_product, p_qty);
    UPDATE stock_one SET reserved = reserved + p_qty, updated_at = now()
    WHERE product = p_product AND on_hand - reserved >= p_qty;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'out of stock' USING ERRCODE = 'TP409';
    END IF;
    RETURN true;
  EXCEPTION WHEN SQLSTATE 'TP409' THEN
    RETURN false;
  END;
END
$$;

-- Buckets: the order row, then
--  1. an unlocked bucket with enough stock, starting at a random one (SKIP LOCKED: never waits);
--  2. else wait for the first bucket that had enough;
-- Steps 1 and 2 each run in a subtransaction rolled back when they take nothing: a row that changed since the
-- statement's snapshot is locked before it is re-checked, and stays locked if found short (READ COMMITTED), so
-- without the rollback a transaction could wait in step 2 or 3 holding a bucket another one waits for (deadlocks,
-- seen in the depletion run before this);
--  3. else lock every bucket in bucket order (deadlock-free) and reserve across them, or refuse (all or nothing).
-- Every lock re-reads the latest committed row (READ COMMITTED), so the stock checked is the stock updated.
CREATE FUNCTION reserve_bucketed(p_product int, p_buckets int, p_qty int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  start int := floor(random() * p_buckets)::int;
  chosen int;
  need int := p_qty;
  total bigint;
  b record;
BEGIN
  BEGIN
    INSERT INTO sales (product, quantity) VALUES (p_product, p_qty);

    BEGIN
      SELECT bucket INTO chosen FROM stock_buckets
      WHERE product = p_product AND on_hand - reserved >= p_qty
      ORDER BY (bucket - start + p_buckets) % p_buckets
      LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED;
      IF chosen IS NULL THEN
        RAISE EXCEPTION 'no free bucket' USING ERRCODE = 'TP410';
      END IF;
    EXCEPTION WHEN SQLSTATE 'TP410' THEN
      chosen := NULL;
    END;

    IF chosen IS NULL THEN
      SELECT bucket INTO chosen FROM stock_buckets
      WHERE product = p_product AND on_hand - reserved >= p_qty
      ORDER BY (bucket - start + p_buckets) % p_buckets LIMIT 1;
      IF chosen IS NOT NULL THEN
        PERFORM nextval('waited');
        BEGIN
          PERFORM 1 FROM stock_buckets
          WHERE product = p_product AND bucket = chosen AND on_hand - reserved >= p_qty FOR NO KEY UPDATE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'bucket short' USING ERRCODE = 'TP410';
          END IF;
        EXCEPTION WHEN SQLSTATE 'TP410' THEN
          chosen := NULL;
        END;
      END IF;
    END IF;

    IF chosen IS NOT NULL THEN
      UPDATE stock_buckets SET reserved = reserved + p_qty, updated_at = now()
      WHERE product = p_product AND bucket = chosen AND on_hand - reserved >= p_qty;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'locked bucket short' USING ERRCODE = 'XX000';
      END IF;
    ELSE
      PERFORM nextval('spread');
      PERFORM 1 FROM stock_buckets WHERE product = p_product ORDER BY bucket FOR NO KEY UPDATE;
      SELECT sum(on_hand - reserved) INTO total FROM stock_buckets WHERE product = p_product;
      IF coalesce(total, 0) < p_qty THEN
        RAISE EXCEPTION 'out of stock' USING ERRCODE = 'TP409';
      END IF;
      FOR b IN
        SELECT bucket, on_hand - reserved AS available FROM stock_buckets
        WHERE product = p_product AND on_hand - reserved > 0 ORDER BY on_hand - reserved DESC, bucket
      LOOP
        EXIT WHEN need = 0;
        UPDATE stock_buckets SET reserved = reserved + least(need, b.available), updated_at = now()
        WHERE product = p_product AND bucket = b.bucket;
        need := need - least(need, b.available)::int;
      END LOOP;
    END IF;
  EXCEPTION WHEN SQLSTATE 'TP409' THEN
    RETURN false;
  END;
  RETURN true;
END
$$;

-- Puts a design's available stock back to p_stock (reserved counters kept), split evenly over its buckets.
CREATE FUNCTION restock(p_product int, p_stock bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n int := (SELECT count(*) FROM stock_buckets WHERE product = p_product);
BEGIN
  UPDATE stock_one SET on_hand = reserved + p_stock WHERE product = p_product;
  IF n > 0 THEN
    UPDATE stock_buckets SET on_hand = reserved + p_stock / n + CASE WHEN bucket < p_stock % n THEN 1 ELSE 0 END
    WHERE product = p_product;
  END IF;
END
$$;

INSERT INTO stock_one (product, on_hand) VALUES (0, 1000000000);
${designs
  .filter((n) => n > 0)
  .map(
    (n) =>
      `INSERT INTO stock_buckets (product, bucket, on_hand) SELECT ${n}, b, 1000000000 / ${n} FROM generate_series(0, ${n - 1}) b;`
  )
  .join("\n")}
`
