package readmodel

import (
	"context"
	"sync"

	sp "github.com/satupintu/satupintu"
)

// Loader reads one citizen's records for one request (one GraphQL
// response): each agency at most once, however many fields ask; each
// agency's failure is reported to the client once; and how fresh each
// agency's data was is kept for home.sources.
type Loader struct {
	ports Agencies
	nik   sp.NIK

	citizen       result[*Citizen]
	family        result[*Family]
	membership    result[*Membership]
	immunizations result[[]Immunization]
	students      result[[]StudentRecord]
	police        result[*PoliceRecord]
	welfare       result[*Welfare]
	sources       Sources

	mu       sync.Mutex
	reported map[sp.Agency]bool
	calls    []sp.AgencyRead // the reads that asked an agency, one per agency and citizen
	taken    int             // how many of calls Calls returned
}

type result[T any] struct {
	once sync.Once
	mu   sync.Mutex // guards err for Unreported, which does not go through once
	val  T
	err  error
}

func (r *result[T]) get(ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	r.once.Do(func() {
		v, err := f(ctx)
		r.mu.Lock()
		r.val, r.err = v, err
		r.mu.Unlock()
	})
	return r.val, r.err
}

// failure is the read's error, nil if it succeeded or has not run.
func (r *result[T]) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// NewLoader returns the loader of citizen nik's records.
func NewLoader(ports Agencies, nik sp.NIK) *Loader {
	return &Loader{ports: ports, nik: nik, reported: map[sp.Agency]bool{}}
}

// NIK is the citizen whose records this loader reads.
func (l *Loader) NIK() sp.NIK { return l.nik }

// Sources reads every agency, joining the reads already in flight, and
// then says how fresh each agency's data was, in display order (an agency
// that failed is UNAVAILABLE, or STALE when its cache served).
func (l *Loader) Sources(ctx context.Context) []Source {
	// In parallel: a read not started yet (or started by a goroutine that
	// has not reached it) must not wait for the one before it.
	var wg sync.WaitGroup
	for _, a := range sp.Agencies {
		wg.Go(func() { l.read(a)(ctx) })
	}
	wg.Wait()
	return l.sources.List()
}

// Source is how fresh agency a's data read so far in this response is:
// UNAVAILABLE when it has not been read.
func (l *Loader) Source(a sp.Agency) Source {
	if src, ok := l.sources.Source(a); ok {
		return src
	}
	return Source{Agency: a, Status: SourceUnavailable}
}

// watch has the agency reads made with ctx report to l.sources, and
// those that asked the agency to the calls.
func (l *Loader) watch(ctx context.Context) context.Context {
	if l.ports.Watch == nil {
		return ctx
	}
	return l.ports.Watch(ctx, l.observe)
}

func (l *Loader) observe(r sp.AgencyRead) {
	l.sources.Observe(r.Agency, r.FetchedAt, r.Err)
	l.NoteCall(r)
}

// Watch has every agency read made with ctx, the loader's or not (the
// policy's, say), report its call to the loader (NoteCall).
func (l *Loader) Watch(ctx context.Context) context.Context {
	if l.ports.Watch == nil {
		return ctx
	}
	return l.ports.Watch(ctx, l.NoteCall)
}

// NoteCall keeps r if it asked its agency: the first of each agency and
// citizen, in the order they came (one access log entry per agency per
// request, not per field).
func (l *Loader) NoteCall(r sp.AgencyRead) {
	if !r.Called {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.calls {
		if c.Agency == r.Agency && c.Citizen == r.Citizen {
			return
		}
	}
	l.calls = append(l.calls, r)
}

// Calls returns the reads noted since the last Calls: a response with
// deferred parts logs each part's new reads, each once.
func (l *Loader) Calls() []sp.AgencyRead {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls[l.taken:]
	l.taken = len(l.calls)
	return out
}

func (l *Loader) Citizen(ctx context.Context) (*Citizen, error) {
	return l.citizen.get(ctx, func(ctx context.Context) (*Citizen, error) {
		return l.ports.Registry.Citizen(l.watch(ctx), l.nik)
	})
}

// Family reads the family card of the citizen (a second Dukcapil call,
// made only when asked for).
func (l *Loader) Family(ctx context.Context) (*Family, error) {
	return l.family.get(ctx, func(ctx context.Context) (*Family, error) {
		c, err := l.Citizen(ctx)
		if err != nil || c == nil {
			return nil, err
		}
		return l.ports.Registry.Family(l.watch(ctx), l.nik, c.KK)
	})
}

func (l *Loader) Membership(ctx context.Context) (*Membership, error) {
	return l.membership.get(ctx, func(ctx context.Context) (*Membership, error) {
		return l.ports.Insurance.Membership(l.watch(ctx), l.nik)
	})
}

func (l *Loader) Immunizations(ctx context.Context) ([]Immunization, error) {
	return l.immunizations.get(ctx, func(ctx context.Context) ([]Immunization, error) {
		return l.ports.Health.Immunizations(l.watch(ctx), l.nik)
	})
}

func (l *Loader) Students(ctx context.Context) ([]StudentRecord, error) {
	return l.students.get(ctx, func(ctx context.Context) ([]StudentRecord, error) {
		return l.ports.Schools.Students(l.watch(ctx), l.nik)
	})
}

func (l *Loader) Police(ctx context.Context) (*PoliceRecord, error) {
	return l.police.get(ctx, func(ctx context.Context) (*PoliceRecord, error) {
		return l.ports.Police.Record(l.watch(ctx), l.nik)
	})
}

func (l *Loader) Welfare(ctx context.Context) (*Welfare, error) {
	return l.welfare.get(ctx, func(ctx context.Context) (*Welfare, error) {
		return l.ports.Social.Welfare(l.watch(ctx), l.nik)
	})
}

// Prefetch starts reading the citizen's records at each of agencies, in
// parallel, and returns at once: each field then waits only for its own
// agency, and a field needing several costs the slowest of them, not the
// sum. Each read is bounded by its agency's own timeout and by ctx (the
// request's); failures wait in the loader for the fields that report them.
func (l *Loader) Prefetch(ctx context.Context, agencies ...sp.Agency) {
	for _, a := range agencies {
		go l.read(a)(ctx)
	}
}

// read is the loader's read of agency a's main record (the family card,
// read only when asked for, is not one).
func (l *Loader) read(a sp.Agency) func(context.Context) {
	switch a {
	case sp.AgencyDukcapil:
		return func(ctx context.Context) { _, _ = l.Citizen(ctx) }
	case sp.AgencyBPJS:
		return func(ctx context.Context) { _, _ = l.Membership(ctx) }
	case sp.AgencySatuSehat:
		return func(ctx context.Context) { _, _ = l.Immunizations(ctx) }
	case sp.AgencyEducation:
		return func(ctx context.Context) { _, _ = l.Students(ctx) }
	case sp.AgencyPolice:
		return func(ctx context.Context) { _, _ = l.Police(ctx) }
	case sp.AgencySocial:
		return func(ctx context.Context) { _, _ = l.Welfare(ctx) }
	}
	panic("readmodel: unknown agency " + string(a))
}

// Report returns err the first time an agency's failure is reported in this
// operation and nil afterwards, so that a failing agency yields one error
// however many fields depended on it.
func (l *Loader) Report(err error) error {
	if err == nil {
		return nil
	}
	a := sp.AgencyOf(err)
	l.mu.Lock()
	defer l.mu.Unlock()
	if a != "" && l.reported[a] {
		return nil
	}
	l.reported[a] = true
	return err
}

// Unreported returns the failures of agencies whose error no field has
// reported yet (a home screen that did not select the failing part), and
// marks them reported.
func (l *Loader) Unreported() []error {
	errs := []error{
		l.citizen.failure(), l.membership.failure(), l.immunizations.failure(),
		l.students.failure(), l.police.failure(), l.welfare.failure(), l.family.failure(),
	}
	var out []error
	for _, err := range errs {
		if err := l.Report(err); err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Registry is the civil registry as seen from l's response: l's citizen's
// own record and family card through l (read at most once per response,
// shared with the fields that show them), anyone else's from the registry
// port. The policy reads through it, so deciding costs no second read.
func (l *Loader) Registry() CivilRegistry { return loaderRegistry{l} }

type loaderRegistry struct{ l *Loader }

func (r loaderRegistry) Citizen(ctx context.Context, nik sp.NIK) (*Citizen, error) {
	if nik == r.l.nik {
		return r.l.Citizen(ctx)
	}
	return r.l.ports.Registry.Citizen(ctx, nik)
}

func (r loaderRegistry) Family(ctx context.Context, nik sp.NIK, kk sp.KK) (*Family, error) {
	if nik == r.l.nik {
		if f, err := r.l.Family(ctx); err != nil || (f != nil && f.KK == kk) {
			return f, err
		}
	}
	return r.l.ports.Registry.Family(ctx, nik, kk)
}
