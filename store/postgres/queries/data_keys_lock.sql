-- Instances starting together record their keys one at a time, so the
-- first names the lookup key.
LOCK TABLE data_keys IN SHARE ROW EXCLUSIVE MODE
