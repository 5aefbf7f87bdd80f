-- The citizen's ($1) open case of single-open service $2, if any.
SELECT id FROM cases WHERE citizen_hash = $1 AND service_id = $2 AND single_open AND open
