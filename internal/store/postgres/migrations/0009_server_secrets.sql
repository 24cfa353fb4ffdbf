-- The server's own secrets, by name (the key that signs page tokens):
-- created at random by the first process that asks for one and the same
-- for every process on the database ever after. A row is written once
-- and never changed; deleting one makes the next process create a new
-- secret, which invalidates what the old one signed.
CREATE TABLE server_secrets (
    name       text COLLATE "C" PRIMARY KEY,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL
);
