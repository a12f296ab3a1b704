-- The token refresh runner: leases so that several scheduler instances never refresh the same connection at once
-- (a crashed instance's lease simply expires), and per-connection backoff after transient failures.
ALTER TABLE connections
  ADD COLUMN refresh_lease_owner text,
  ADD COLUMN refresh_lease_until timestamptz,
  ADD COLUMN refresh_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN next_refresh_at timestamptz;

-- Background work as operators see it: one row per job and scheduler instance.
CREATE TABLE job_runs (
  job text NOT NULL,
  instance_id text NOT NULL,
  every_ms bigint NOT NULL,
  last_run_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  runs bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job, instance_id)
);
