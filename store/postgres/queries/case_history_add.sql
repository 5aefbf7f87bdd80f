-- History entries of case $1 from seq $2 on, added by the change to
-- version $3: one row per element of the arrays.
INSERT INTO case_history (case_id, seq, version, at, status, source, message, event_id, sequence, skipped)
SELECT $1, $2 + ord - 1, $3, at, status, source, message, event_id, sequence, skipped
FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::bytea[], $8::text[], $9::int[], $10::text[])
     WITH ORDINALITY AS e(at, status, source, message, event_id, sequence, skipped, ord)
