-- Order sync from sales channels: how far each connection's orders have been read (the newest updated_at
-- ingested; it only moves forward) and when the last sync ran.
ALTER TABLE connections
  ADD COLUMN orders_cursor timestamptz,
  ADD COLUMN orders_synced_at timestamptz;

-- A channel order was already sold at the channel: its reservation holds until the channel fulfils or cancels
-- it, so it has no expiry (API orders keep theirs).
ALTER TABLE reservations ALTER COLUMN expires_at DROP NOT NULL;
