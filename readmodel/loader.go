package readmodel

import (
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"

	sp "github.com/satupintu/satupintu"
)

// Loader reads one citizen's records for one GraphQL operation: each agency
// at most once, however many fields ask, and each agency's failure is
// reported to the client once.
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

	mu       sync.Mutex
	reported map[sp.Agency]bool
	homePath ast.Path
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

func (l *Loader) Citizen(ctx context.Context) (*Citizen, error) {
	return l.citizen.get(ctx, func(ctx context.Context) (*Citizen, error) {
		return l.ports.Registry.Citizen(ctx, l.nik)
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
		return l.ports.Registry.Family(ctx, l.nik, c.KK)
	})
}

func (l *Loader) Membership(ctx context.Context) (*Membership, error) {
	return l.membership.get(ctx, func(ctx context.Context) (*Membership, error) {
		return l.ports.Insurance.Membership(ctx, l.nik)
	})
}

func (l *Loader) Immunizations(ctx context.Context) ([]Immunization, error) {
	return l.immunizations.get(ctx, func(ctx context.Context) ([]Immunization, error) {
		return l.ports.Health.Immunizations(ctx, l.nik)
	})
}

func (l *Loader) Students(ctx context.Context) ([]StudentRecord, error) {
	return l.students.get(ctx, func(ctx context.Context) ([]StudentRecord, error) {
		return l.ports.Schools.Students(ctx, l.nik)
	})
}

func (l *Loader) Police(ctx context.Context) (*PoliceRecord, error) {
	return l.police.get(ctx, func(ctx context.Context) (*PoliceRecord, error) {
		return l.ports.Police.Record(ctx, l.nik)
	})
}

func (l *Loader) Welfare(ctx context.Context) (*Welfare, error) {
	return l.welfare.get(ctx, func(ctx context.Context) (*Welfare, error) {
		return l.ports.Social.Welfare(ctx, l.nik)
	})
}

// Prefetch starts every agency read the home screen needs, in parallel, and
// waits for all of them. Each read is bounded by its agency's own timeout.
func (l *Loader) Prefetch(ctx context.Context) {
	fetches := []func(context.Context){
		func(ctx context.Context) { _, _ = l.Citizen(ctx) },
		func(ctx context.Context) { _, _ = l.Membership(ctx) },
		func(ctx context.Context) { _, _ = l.Immunizations(ctx) },
		func(ctx context.Context) { _, _ = l.Students(ctx) },
		func(ctx context.Context) { _, _ = l.Police(ctx) },
		func(ctx context.Context) { _, _ = l.Welfare(ctx) },
	}
	var wg sync.WaitGroup
	for _, f := range fetches {
		wg.Go(func() { f(ctx) })
	}
	wg.Wait()
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
// reported yet (a home screen that did not select the failing part).
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

type loaderKey struct{}

// WithLoader puts the operation's loader in the context.
func WithLoader(ctx context.Context, l *Loader) context.Context {
	return context.WithValue(ctx, loaderKey{}, l)
}

// LoaderFrom returns the operation's loader, or nil when the request is
// not a citizen's.
func LoaderFrom(ctx context.Context) *Loader {
	l, _ := ctx.Value(loaderKey{}).(*Loader)
	return l
}

// SetHomePath remembers where home sits in the response, so that failures
// no selected field reported can be reported there.
func (l *Loader) SetHomePath(p ast.Path) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.homePath = p
}

// HomePath is where home sits in the response, nil when not asked.
func (l *Loader) HomePath() ast.Path {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.homePath
}
