package satupintu

import "time"

// AgencyRead is what one read of a citizen's data at an agency reports to
// its observer: the read model keeps how fresh each agency's data was, and
// the access log which agencies were actually asked, about whom and why.
type AgencyRead struct {
	Agency  Agency
	Citizen NIK    // whose data
	Purpose string // the X-Road-Issue the read carried (PurposeFrom)
	// FetchedAt is when the data served was fetched; zero when none was.
	FetchedAt time.Time
	// Called: this read asked the agency and got its answer. A read served
	// from the cache, or by another read's call, was not; neither was one
	// that failed.
	Called bool
	// Err is the agency's failure: nil when it, or a fresh cached copy,
	// answered. A failure with a FetchedAt is stale data served instead.
	Err error
}
