-- The end user a trusted channel acted for when it recorded an event (the
-- x-on-behalf-of header its role allows it to send), beside the actor,
-- which is the authenticated caller; '' when none.
ALTER TABLE loan_events ADD COLUMN on_behalf_of TEXT NOT NULL DEFAULT '';
