-- Event ids are unique per sender, not across every organisation: deduplicate per connection, so one tenant's
-- event ids can never shadow (or pre-claim) another's.
DELETE FROM webhook_events WHERE connection_id IS NULL;
ALTER TABLE webhook_events ALTER COLUMN connection_id SET NOT NULL;
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_provider_event_id_key;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_connection_event_key UNIQUE (connection_id, event_id);
