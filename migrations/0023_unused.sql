-- Intentionally empty, like 0020: 0024 and 0025 were applied before any 0023 existed, and the migrator applies only
-- ids above the newest one a database has recorded, so a real 0023 would be skipped silently. This takes the number.
SELECT 1;
