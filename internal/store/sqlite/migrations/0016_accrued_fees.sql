-- The accrual journal counts fees too (issue 20): a line's fees are the
-- late fees its date charged (posted at the end of a grace's last day),
-- as penalty and compound are what the date charged. Service fees fall
-- due like interest, which the journal does not count, so they are not
-- in it. Lines and positions written before this migration charged no
-- fee the journal knew of: '0'.
ALTER TABLE loan_accruals ADD COLUMN fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE loan_positions ADD COLUMN fees_charged TEXT NOT NULL DEFAULT '0';
