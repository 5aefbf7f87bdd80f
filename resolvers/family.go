package resolvers

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/graph/model"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
)

// Policy is the one policy (*policy.Policy): may the actor do the action
// for the subject? Every read for someone else asks it first.
type Policy interface {
	May(ctx context.Context, actor, subject sp.NIK, action policy.Action) (policy.Decision, error)
}

// subjectState is Query.subject's own state: who asks, and the policy's
// answers so far in this response (each action asked once).
type subjectState struct {
	actor sp.NIK
	mu    sync.Mutex
	asked map[string]*askResult
}

type askResult struct {
	once sync.Once
	err  error
}

// allow asks the policy whether the signed-in citizen may do every one of
// actions for the subject of obj: nil when allowed, FORBIDDEN when not
// (nothing is read for the field then), the policy's error when it could
// not decide (Dukcapil down).
func (r *Resolver) allow(ctx context.Context, obj *model.Subject, actions ...policy.Action) error {
	st, ok := obj.Private.(*subjectState)
	if !ok || r.Policy == nil {
		return errors.New("resolvers: no policy decides reads for someone else")
	}
	for _, a := range actions {
		key := string(a.Kind) + ":" + string(a.Domain) + ":" + a.Service
		st.mu.Lock()
		res, ok := st.asked[key]
		if !ok {
			res = &askResult{}
			st.asked[key] = res
		}
		st.mu.Unlock()
		res.once.Do(func() {
			d, err := r.Policy.May(ctx, st.actor, obj.NIK, a)
			switch {
			case err != nil:
				res.err = err
			case !d.Allowed:
				res.err = d.Forbidden(a)
			}
		})
		if res.err != nil {
			return res.err
		}
	}
	return nil
}

// everyDomain is reading every kind of record (home, cases, documents).
func everyDomain() []policy.Action {
	out := make([]policy.Action, 0, len(policy.Domains()))
	for _, d := range policy.Domains() {
		out = append(out, policy.View(d))
	}
	return out
}

// subjectOf is the Query.subject this field sits under, or nil: the
// fields inside read the subject's records, not the citizen's.
func subjectOf(ctx context.Context) *model.Subject {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if s, ok := fc.Result.(*model.Subject); ok {
			return s
		}
	}
	return nil
}

// whose is the person whose records this field shows: the subject under
// Query.subject, the signed-in citizen elsewhere.
func whose(ctx context.Context) (sp.NIK, error) {
	if s := subjectOf(ctx); s != nil {
		return s.NIK, nil
	}
	p, err := citizen(ctx)
	if err != nil {
		return "", err
	}
	return p.NIK, nil
}

// subjectLoader is the response's loader of nik's records: the citizen's
// own for themself; for anyone else one per person and response, whose
// agency calls are noted for the access log with the others (each names
// the person read, so the entry is theirs, the citizen its delegate).
func (rs *citizenResponse) subjectLoader(ports readmodel.Agencies, nik sp.NIK) *readmodel.Loader {
	if nik == rs.loader.NIK() {
		return rs.loader
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if l, ok := rs.subjects[nik]; ok {
		return l
	}
	if rs.subjects == nil {
		rs.subjects = map[sp.NIK]*readmodel.Loader{}
	}
	if watch := ports.Watch; watch != nil {
		ports.Watch = func(ctx context.Context, observe func(sp.AgencyRead)) context.Context {
			return watch(ctx, func(r sp.AgencyRead) {
				observe(r)
				rs.loader.NoteCall(r)
			})
		}
	}
	l := readmodel.NewLoader(ports, nik)
	rs.subjects[nik] = l
	return l
}

// noteActorName reads the citizen's own name (their record, through the
// response's loader: the read is theirs, logged as such) for the access
// log of the person they act for. A failure leaves the entries unnamed
// ("someone acting for you"), never the reads unlogged.
func (rs *citizenResponse) noteActorName(ctx context.Context) string {
	c, err := rs.loader.Citizen(ctx)
	if err != nil || c == nil {
		return ""
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.actorName = c.Name
	return c.Name
}

// mandateUserErrors maps the mandates service's field errors.
func mandateUserErrors(errs []mandates.FieldError) []catalog.UserError {
	out := make([]catalog.UserError, 0, len(errs))
	for _, e := range errs {
		out = append(out, catalog.UserError{Field: e.Field, Code: e.Code, Message: e.Message})
	}
	return out
}

func (r *Resolver) mandateService() (*mandates.Service, error) {
	if r.Mandates == nil {
		return nil, sp.Errorf(sp.CodeUnavailable, "mandates are not available on this server")
	}
	return r.Mandates, nil
}

// mandatePayload is what the mandate mutations answer.
func mandatePayload(m mandates.Mandate, errs []mandates.FieldError, err error) (*model.MandatePayload, error) {
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return &model.MandatePayload{UserErrors: mandateUserErrors(errs)}, nil
	}
	return &model.MandatePayload{Mandate: &m, UserErrors: []catalog.UserError{}}, nil
}
