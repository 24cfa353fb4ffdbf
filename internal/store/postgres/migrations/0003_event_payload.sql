-- Details of events that carry more than one amount (a waiver's penalty,
-- compound and interest), as a JSON object; NULL for the others.
ALTER TABLE loan_events ADD COLUMN payload jsonb;
