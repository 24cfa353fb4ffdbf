-- Four-eyes actions (calls held for a second person's approval) live in
-- their loan's log: an ACTION_REQUESTED event, then the event its approval
-- executed or an ACTION_REJECTED. This is a projection of them for lookups
-- by action id and the list of what is pending across loans, written in
-- the transaction that appends the event that changes an action.
CREATE TABLE actions (
    action_id  TEXT PRIMARY KEY,
    loan_id    TEXT NOT NULL,
    method     TEXT NOT NULL,
    status     TEXT NOT NULL,
    maker      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX actions_loan_idx ON actions (loan_id, action_id);
CREATE INDEX actions_status_idx ON actions (status, action_id);
