-- The caller's membership, re-read on every authenticated request (a demoted or removed member loses their powers
-- at once), in ONE statement: the organisation context is set for this call only and the previous value restored
-- before returning — instead of BEGIN, set_config, SELECT, COMMIT (four round trips per request).
-- Not SECURITY DEFINER: callers are bound by their table privileges and row-level security as before.
CREATE FUNCTION org_member(p_org uuid, p_user uuid)
RETURNS TABLE (user_id uuid, email text, role text, created_at timestamptz)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  previous text := coalesce(current_setting('app.org_id', true), '');
BEGIN
  PERFORM set_config('app.org_id', p_org::text, true);
  RETURN QUERY
    SELECT m.user_id, u.email, m.role, m.created_at
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = p_org AND m.user_id = p_user;
  PERFORM set_config('app.org_id', previous, true);
END
$$;

REVOKE ALL ON FUNCTION org_member(uuid, uuid) FROM PUBLIC;
