-- Admin defaults the inviter unticked: applied as role_exclusions at accept,
-- so an Admin can be invited already narrowed.
CREATE TABLE invitation_withheld (
    invitation_id BLOB NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    permission    TEXT NOT NULL,
    PRIMARY KEY (invitation_id, permission)
);
