-- How many cases the citizen ($1) has in status $2.
SELECT count(*) FROM cases WHERE citizen_hash = $1 AND status = $2
