-- Why a redemption changed nothing: $1 id.
SELECT verified_at IS NOT NULL FROM document_shares WHERE id = $1
