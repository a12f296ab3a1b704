-- The user-scoped clauses of the tenancy policies exist so a user can see their own memberships (to choose an
-- organisation at login). They must grant reading only: split them into SELECT-only policies, so a transaction
-- carrying app.user_id can never update or delete across the user's organisations.
DROP POLICY memberships_tenant ON memberships;
CREATE POLICY memberships_tenant ON memberships
  USING (organization_id = app_current_org())
  WITH CHECK (organization_id = app_current_org());
CREATE POLICY memberships_own_read ON memberships FOR SELECT
  USING (user_id = app_current_user());

DROP POLICY organizations_tenant ON organizations;
CREATE POLICY organizations_tenant ON organizations
  USING (id = app_current_org())
  WITH CHECK (id = app_current_org());
CREATE POLICY organizations_own_read ON organizations FOR SELECT
  USING (id IN (SELECT organization_id FROM memberships WHERE user_id = app_current_user()));
