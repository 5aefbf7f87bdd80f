-- How many cases the citizen ($1) has.
SELECT count(*) FROM cases WHERE citizen_hash = $1
