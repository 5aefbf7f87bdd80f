-- Deletes every device of a citizen. $1 citizen_hash
DELETE FROM devices WHERE citizen_hash = $1
