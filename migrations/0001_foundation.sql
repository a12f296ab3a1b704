-- Foundation: scheduler liveness, shared by every process.
CREATE TABLE scheduler_heartbeats (
  instance_id text PRIMARY KEY,
  beat_at timestamptz NOT NULL
);
