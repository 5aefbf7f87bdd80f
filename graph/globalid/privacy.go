package globalid

// The ids of the privacy objects: keys satupintu mints itself (an access
// log entry's position, a consent's or an export's id), none personal.

// DataAccessEntry is the id of an access log entry by its cursor (its
// time and id).
func DataAccessEntry(cursor string) string { return Encode("DataAccessEntry", cursor) }

// Consent is the id of a consent.
func Consent(id string) string { return Encode("Consent", id) }

// DataExport is the id of a data export.
func DataExport(id string) string { return Encode("DataExport", id) }
