-- A process alone on the database reads with no round trip (issue 21,
-- docs/design.md §5, "Alone on the database"). Two parts of that protocol
-- live in the database.
--
-- loancore_member(key) fences every write to a loan's log. The writer
-- holds the advisory lock key, exclusively, on its member connection for
-- as long as it may write. The function takes the transaction's id first
-- (a CASE evaluates its condition before its result), then is true only
-- if some session holds key; a write whose fence is false writes nothing.
-- A writer whose member session has ended has also lost its place among
-- the writers, and a process that then finds itself alone must not miss
-- its write: the write either wrote nothing here, or had its transaction
-- id before the session ended, and the process waits for every
-- transaction in progress when it found itself alone. SQL, not PL/pgSQL:
-- the planner inlines it into the append's statement, where a PL/pgSQL
-- call cost a repayment 9% more of PostgreSQL's CPU.
CREATE FUNCTION loancore_member(key bigint) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
	SELECT CASE WHEN pg_current_xact_id() IS NULL THEN false ELSE NOT pg_try_advisory_xact_lock_shared(key) END
$$;

-- loancore_solo holds, while a process is alone, how long it may still
-- answer reads from memory if it vanished now: a process joining the
-- writers waits until then. Unlogged: it is not worth a WAL record ten
-- times a second, and a crash empties it, which a joiner reads as "wait
-- the longest lease".
CREATE UNLOGGED TABLE loancore_solo (
	id integer PRIMARY KEY CHECK (id = 1),
	until timestamptz NOT NULL
);
