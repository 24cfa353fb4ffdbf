-- Details of events that carry more than one amount (a waiver's penalty,
-- compound and interest), as JSON text; NULL for the others.
ALTER TABLE loan_events ADD COLUMN payload TEXT;
