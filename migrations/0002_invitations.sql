-- Invitations and their link tokens.

CREATE TABLE invitations (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email        TEXT NOT NULL CHECK (length(email) <= 254),
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    note         TEXT CHECK (note IS NULL OR length(note) <= 500),
    notify_email TEXT CHECK (notify_email IS NULL OR length(notify_email) <= 254),
    invited_by   BLOB NOT NULL REFERENCES users(id),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired', 'failed')),
    created_at   TEXT NOT NULL,
    sent_at      TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   BLOB REFERENCES users(id),
    outbox_id    INTEGER REFERENCES outbox(id),
    last_error   TEXT
);
-- At most one pending invitation per organization and address.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (org_id, email) WHERE status = 'pending';
CREATE INDEX invitations_by_org ON invitations (org_id, created_at DESC);
CREATE INDEX invitations_by_email ON invitations (email, status);
CREATE INDEX invitations_by_outbox ON invitations (outbox_id);

-- Every link ever issued for an invitation, by the SHA-256 of its secret. A
-- resend marks the previous ones replaced, so their page can say so. Each
-- issue makes two links: `mail` goes only into the email (following it proves
-- the mailbox), `share` is shown once to the inviter to copy.
CREATE TABLE invitation_tokens (
    token_hash    BLOB PRIMARY KEY NOT NULL,
    invitation_id BLOB NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('mail', 'share')),
    created_at    TEXT NOT NULL,
    replaced_at   TEXT
);
CREATE INDEX invitation_tokens_by_invitation ON invitation_tokens (invitation_id);
