-- Dripline schema, version 5: each row of usage_daily keeps the daily
-- limit of the user's last decision that day, so a report shows a past
-- day with the limit that applied then instead of the current one.
--
-- Rows written before this version have none (NULL), and reports show
-- the current limit for them. Adding a column rewrites no row.

ALTER TABLE usage_daily ADD COLUMN daily_limit INTEGER
    CHECK (daily_limit >= 0);
