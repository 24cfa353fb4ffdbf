-- The end user a trusted channel acted for when it recorded an event (the
-- x-on-behalf-of header its role allows it to send), beside the actor,
-- which is the authenticated caller; '' when none. A constant default
-- adds the column without rewriting the table.
ALTER TABLE loan_events ADD COLUMN on_behalf_of text NOT NULL DEFAULT '';
