package resolvers

import (
	"context"
	"errors"
	"sync"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/graph/model"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
)

// The agency-backed objects shared by the root fields and home.

// education is the school records of the loader's person. The registry
// answers a parent with their children's records too; which of those are
// shown is the policy's to decide, not the registry's: another student's
// record is kept only on the citizen's own screen, and only when the
// policy lets them VIEW_RECORDS EDUCATION for that student (a minor child
// or ward on their card: not a son who turned 17, not a married daughter).
func (r *Resolver) education(ctx context.Context, l *readmodel.Loader) (*model.Education, error) {
	s, err := l.Students(ctx)
	if err != nil {
		return nil, l.Report(err)
	}
	out := make([]readmodel.StudentRecord, 0, len(s))
	for _, st := range s {
		if st.NIK != l.NIK() {
			ok, err := r.mayViewStudent(ctx, l.NIK(), st.NIK)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, st)
	}
	return &model.Education{Students: out}, nil
}

// mayViewStudent asks the policy whether the signed-in citizen, reading
// their own records (whose), may see student's school record.
func (r *Resolver) mayViewStudent(ctx context.Context, whose, student sp.NIK) (bool, error) {
	p, err := citizen(ctx)
	if err != nil || p.NIK != whose || r.Policy == nil {
		return false, err
	}
	d, err := r.Policy.May(ctx, p.NIK, student, policy.View(policy.DomainEducation))
	if err != nil {
		return false, err
	}
	return d.Allowed, nil
}

func police(ctx context.Context, l *readmodel.Loader) (*readmodel.PoliceRecord, error) {
	p, err := l.Police(ctx)
	if err != nil {
		return nil, l.Report(err)
	}
	out := readmodel.PoliceRecord{Licences: []readmodel.DrivingLicence{}, Certificates: []readmodel.PoliceCertificate{}, Tickets: []readmodel.TrafficTicket{}}
	if p != nil { // unknown to the police: empty lists, not null
		out.Licences = append(out.Licences, p.Licences...)
		out.Certificates = append(out.Certificates, p.Certificates...)
		out.Tickets = append(out.Tickets, p.Tickets...)
	}
	return &out, nil
}

func social(ctx context.Context, l *readmodel.Loader) (*readmodel.Welfare, error) {
	w, err := l.Welfare(ctx)
	if err != nil {
		return nil, l.Report(err)
	}
	if w == nil { // not in the register: registered false, empty lists
		w = &readmodel.Welfare{}
	}
	out := *w
	if out.Programmes == nil {
		out.Programmes = []readmodel.Programme{}
	}
	return &out, nil
}

// facts reads, in parallel, the agency data a service's eligibility rules
// need. An agency that does not know the citizen gives empty facts; one
// that fails fails the check (the caller reports it).
func facts(ctx context.Context, l *readmodel.Loader, needs catalog.Needs) (catalog.Facts, error) {
	var (
		f    catalog.Facts
		errs [4]error
		wg   sync.WaitGroup
	)
	if needs.Police {
		wg.Go(func() {
			p, err := l.Police(ctx)
			if p != nil {
				f.Licences = p.Licences
			}
			errs[0] = err
		})
	}
	if needs.BPJS {
		wg.Go(func() { f.Membership, errs[1] = l.Membership(ctx) })
	}
	if needs.Education {
		wg.Go(func() { f.Students, errs[2] = l.Students(ctx) })
	}
	if needs.Social {
		wg.Go(func() { f.Welfare, errs[3] = l.Welfare(ctx) })
	}
	wg.Wait()
	return f, errors.Join(errs[:]...)
}
