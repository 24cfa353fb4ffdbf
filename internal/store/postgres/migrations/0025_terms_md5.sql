-- A loan's terms document's fingerprint (issue 21): the md5 of its text
-- as PostgreSQL writes it out (terms::text), kept with the row. A page of
-- close of business tells the store the documents it read already, and a
-- loan whose document is one of them is not sent its text again; by
-- comparing the documents (jsonb equality) that cost 12 us a loan of the
-- page, a third of the statement, against a comparison of fingerprints.
ALTER TABLE loans ADD COLUMN terms_md5 text GENERATED ALWAYS AS (md5(terms::text)) STORED;
