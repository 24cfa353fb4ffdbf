-- The run of a date that writes its positions now (issue 21; the
-- PostgreSQL store's migration 24 says why): each run of a date takes it
-- over when it starts, and the writes of an earlier one are refused.
ALTER TABLE cob_runs ADD COLUMN runner TEXT;
