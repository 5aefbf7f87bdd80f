package resolvers

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/graph/model"
)

// maxNodes is how many ids nodes(ids:) takes at once.
const maxNodes = 100

// node finds the object id names among what the signed-in citizen may
// see, or answers sp.ErrNotFound: for an id that names nothing and for one
// of someone else's object alike. Objects keyed by a reference (ids.go)
// are found by computing the references of the citizen's own records, so
// finding one is the access check; cases and notifications are read as
// the citizen's (the stores refuse others'); the catalog is public.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	typ, key, ok := globalid.Decode(id)
	if !ok {
		return nil, sp.ErrNotFound
	}
	p, err := citizen(ctx)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "Service":
		if s, ok := r.Casework.Catalog().Service(key); ok {
			return s, nil
		}
		return nil, sp.ErrNotFound
	case "LifeEvent":
		if le, ok := r.Casework.Catalog().LifeEvent(key); ok {
			return &le, nil
		}
		return nil, sp.ErrNotFound
	case "Case":
		c, err := r.Casework.Get(ctx, p.NIK, key)
		if err != nil {
			return nil, err
		}
		return c, nil
	case "CasePayment", "VirtualAccount", "Qris":
		if r.Payments == nil {
			return nil, sp.ErrNotFound
		}
		b, err := r.Payments.Store.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		// Through the case: someone else's is not found.
		if _, err := r.Casework.Get(ctx, p.NIK, b.CaseID); err != nil {
			return nil, err
		}
		cp := r.CasePayment()
		switch typ {
		case "VirtualAccount":
			if va, _ := cp.VirtualAccount(ctx, b); va != nil {
				return va, nil
			}
			return nil, sp.ErrNotFound
		case "Qris":
			q, err := cp.Qris(ctx, b)
			if err != nil || q == nil {
				return nil, sp.ErrNotFound
			}
			return q, nil
		}
		return b, nil
	case "Notification":
		n, err := r.InboxStore.Get(ctx, p.NIK, key)
		if err != nil {
			return nil, err
		}
		return &n, nil
	case "Mandate":
		svc, err := r.mandateService()
		if err != nil {
			return nil, err
		}
		m, err := svc.Get(ctx, p.NIK, key)
		if err != nil {
			return nil, err
		}
		return &m, nil
	case "Device":
		devices, err := r.Query().Devices(ctx)
		if err != nil {
			return nil, err
		}
		return find(devices, id, func(i int) (model.Node, string) {
			return &devices[i], r.ids().Device(devices[i].Token)
		})
	}
	return r.record(ctx, p.NIK, typ, key, id)
}

// record finds one of the citizen's agency records, read through the
// response's loader like the fields that show them.
func (r *Resolver) record(ctx context.Context, nik sp.NIK, typ, key, id string) (model.Node, error) {
	ctx, l, err := loader(ctx, "node")
	if err != nil {
		return nil, err
	}
	mine := r.ids().CitizenKey(key, string(nik))
	switch typ {
	case "Me":
		if !mine {
			return nil, sp.ErrNotFound
		}
		c, err := r.Query().Me(ctx)
		if err != nil || c == nil {
			return nil, notFoundIfNil(err)
		}
		return c, nil
	case "Home", "Health":
		if !mine {
			return nil, sp.ErrNotFound
		}
		if typ == "Home" {
			return &model.Home{}, nil
		}
		return &model.Health{}, nil
	case "Education":
		if !mine {
			return nil, sp.ErrNotFound
		}
		return r.education(ctx, l)
	case "Police":
		if !mine {
			return nil, sp.ErrNotFound
		}
		return police(ctx, l)
	case "Social":
		if !mine {
			return nil, sp.ErrNotFound
		}
		return social(ctx, l)
	case "Family", "FamilyMember":
		f, err := l.Family(ctx)
		if err != nil {
			return nil, l.Report(err)
		}
		if f == nil {
			return nil, sp.ErrNotFound
		}
		if typ == "Family" {
			if r.ids().Family(string(f.KK)) == id {
				return f, nil
			}
			return nil, sp.ErrNotFound
		}
		return find(f.Members, id, func(i int) (model.Node, string) { return &f.Members[i], r.ids().FamilyMember(string(f.Members[i].NIK)) })
	case "Membership":
		m, err := l.Membership(ctx)
		if err != nil {
			return nil, l.Report(err)
		}
		if m == nil || r.ids().Membership(m.CardNumber) != id {
			return nil, sp.ErrNotFound
		}
		return m, nil
	case "Immunization":
		imms, err := l.Immunizations(ctx)
		if err != nil {
			return nil, l.Report(err)
		}
		return find(imms, id, func(i int) (model.Node, string) { return &imms[i], r.ids().Immunization(imms[i].ID) })
	case "StudentRecord", "School":
		students, err := l.Students(ctx)
		if err != nil {
			return nil, l.Report(err)
		}
		if typ == "School" {
			return find(students, id, func(i int) (model.Node, string) {
				s := students[i].School()
				return &s, globalid.School(s.NPSN)
			})
		}
		return find(students, id, func(i int) (model.Node, string) { return &students[i], r.ids().StudentRecord(string(students[i].NISN)) })
	case "DrivingLicence", "PoliceCertificate", "TrafficTicket":
		rec, err := police(ctx, l)
		if err != nil {
			return nil, err
		}
		switch typ {
		case "DrivingLicence":
			return find(rec.Licences, id, func(i int) (model.Node, string) {
				return &rec.Licences[i], r.ids().DrivingLicence(rec.Licences[i].Number)
			})
		case "PoliceCertificate":
			return find(rec.Certificates, id, func(i int) (model.Node, string) {
				return &rec.Certificates[i], r.ids().PoliceCertificate(rec.Certificates[i].Number)
			})
		}
		return find(rec.Tickets, id, func(i int) (model.Node, string) { return &rec.Tickets[i], r.ids().TrafficTicket(rec.Tickets[i].Number) })
	case "AidProgramme", "Disbursement":
		w, err := social(ctx, l)
		if err != nil {
			return nil, err
		}
		if typ == "AidProgramme" {
			return find(w.Programmes, id, func(i int) (model.Node, string) {
				return &w.Programmes[i], r.ids().OfCitizen("AidProgramme", string(nik), string(w.Programmes[i].Code))
			})
		}
		return find(w.Disbursements, id, func(i int) (model.Node, string) {
			return &w.Disbursements[i], r.ids().Disbursement(string(nik), w.Disbursements[i].ID)
		})
	case "Document":
		if !strings.HasPrefix(key, r.ids().Ref("nik", string(nik))+":") {
			return nil, sp.ErrNotFound // another citizen's: no agency is asked
		}
		docs, err := r.readDocuments(ctx, l)
		if err != nil {
			return nil, err
		}
		return find(docs, id, func(i int) (model.Node, string) { return &docs[i], r.documentID(docs[i]) })
	case "Alert":
		alerts, err := r.Home().Alerts(ctx, &model.Home{})
		if err != nil {
			return nil, err
		}
		return find(alerts, id, func(i int) (model.Node, string) { return &alerts[i], r.ids().Alert(string(nik), alerts[i].ID) })
	}
	return nil, sp.ErrNotFound
}

// find returns the element of list whose id is id.
func find[T any](list []T, id string, at func(i int) (model.Node, string)) (model.Node, error) {
	for i := range list {
		if n, nid := at(i); nid == id {
			return n, nil
		}
	}
	return nil, sp.ErrNotFound
}

func notFoundIfNil(err error) error {
	if err == nil {
		return sp.ErrNotFound
	}
	return err
}

// nodes resolves each id as node does, in parallel (each agency is read
// once for all of them); an id not found is null, an id whose agency
// failed is null with that agency's error.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, sp.Errorf(sp.CodeInvalidInput, "ask for at most %d ids at once", maxNodes)
	}
	if _, err := citizen(ctx); err != nil {
		return nil, err
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { out[i], errs[i] = r.node(ctx, id) })
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		out[i] = nil
		if errors.Is(err, sp.ErrNotFound) {
			continue
		}
		_, err = fieldError(ctx, err)
		graphql.AddError(ctx, err)
	}
	return out, nil
}
