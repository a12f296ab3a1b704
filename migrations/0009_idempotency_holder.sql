-- Who holds an in-progress Idempotency-Key: only that request may complete or release it, so a takeover of an
-- abandoned claim can never be overwritten by the original holder coming back late.
ALTER TABLE idempotency_records ADD COLUMN holder uuid;
