-- When each refresh-token family began (its login), carried by every token rotated into it. A family that began
-- before the user's password was last changed (users.password_changed_at) can no longer rotate: a password change
-- or reset ends every session that started under the old password, even one whose refresh raced the change.
ALTER TABLE refresh_tokens ADD COLUMN family_started_at timestamptz;
UPDATE refresh_tokens t SET family_started_at = f.started
FROM (SELECT family_id, min(created_at) AS started FROM refresh_tokens GROUP BY family_id) f
WHERE f.family_id = t.family_id;
ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET DEFAULT now();
ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET NOT NULL;
