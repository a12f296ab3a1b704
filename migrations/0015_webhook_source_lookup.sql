-- The connection named in a webhook URL, read in ONE statement: the sender is not a user, so the lookup runs on
-- the platform path — but only for the duration of this call (the previous value is restored before returning),
-- with no transaction of its own (BEGIN, set_config, SELECT, COMMIT were four round trips per delivery).
-- Not SECURITY DEFINER: callers are still bound by their table privileges, and only the owner may execute it.
CREATE FUNCTION webhook_source(p_provider text, p_connection uuid)
RETURNS TABLE (organization_id uuid, external_account text, connected_at timestamptz, credentials text)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  previous text := coalesce(current_setting('app.platform', true), '');
BEGIN
  PERFORM set_config('app.platform', 'on', true);
  RETURN QUERY
    SELECT c.organization_id, c.external_account, c.connected_at, c.credentials
    FROM connections c
    WHERE c.id = p_connection AND c.provider = p_provider AND c.status <> 'disconnected';
  PERFORM set_config('app.platform', previous, true);
END
$$;

REVOKE ALL ON FUNCTION webhook_source(text, uuid) FROM PUBLIC;
