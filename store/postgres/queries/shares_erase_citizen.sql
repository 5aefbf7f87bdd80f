DELETE FROM document_shares WHERE citizen_hash = $1
