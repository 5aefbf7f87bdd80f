UPDATE document_shares SET verified_at = NULL, verifier_id = NULL, verifier_name = NULL WHERE id = $1
