-- Intentionally empty. 0021 was applied before any 0020 existed, and the migrator applies only ids above the newest
-- one a database has recorded: a real 0020 added now would be skipped on every database that already ran 0021. This
-- file takes the number so nobody writes one.
SELECT 1;
