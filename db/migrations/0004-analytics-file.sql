-- Dripline schema, version 4: the analytics tables move to a file of
-- their own, next to this one (see db_analytics_path in db/db.c).
--
-- dripline-collector adds an outcome for nearly every decision. While
-- both lived in one file, every collector transaction held the write
-- lock the authorizer needs for its decisions, and each process's
-- commits emptied the other's page cache. With the analytics tables in
-- their own file, the collector locks that file alone and reads the
-- decisions without a lock.
--
-- The migration runner copies upstream_daily, and the log line counts
-- of system_daily as log_daily, to the analytics file before this
-- migration drops them here.

DROP TABLE main.upstream_daily;

ALTER TABLE system_daily DROP COLUMN log_malformed;
ALTER TABLE system_daily DROP COLUMN log_unmatched;
