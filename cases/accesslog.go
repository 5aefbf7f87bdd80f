package cases

import (
	"context"
	"slices"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// A case moves a citizen's data between satupintu and an agency: the
// forward sends it (the form, the NIK and name), every status event
// brings news of it. Each is an entry of the citizen's access log,
// written before the forward leaves and before an event is acknowledged,
// with an id of its own so that a job or a delivery run again adds
// nothing.

// forwardEntry is the entry of c's forward to its agency: satupintu's
// system sends it, for the public service the citizen asked for.
func forwardEntry(c *Case) privacy.Entry {
	return privacy.Entry{
		ID: "case:" + c.ID + ":forward", At: c.CreatedAt, Subject: c.Citizen,
		Actor: privacy.Actor{Kind: privacy.ActorSystem}, Agency: c.Agency,
		// The forward names the citizen (identity) and carries what the
		// agency's service is about.
		Categories: withIdentity(privacy.CategoriesOf(c.Agency)),
		Purpose:    "case:" + c.ID, LegalBasis: privacy.BasisPublicTask, CaseID: c.ID,
	}
}

// appliedEntry is the entry of an application made for c's citizen by
// someone else (c.Actor): a delegate acted, for the public service.
func appliedEntry(c *Case, actorName string) privacy.Entry {
	return privacy.Entry{
		ID: "case:" + c.ID + ":applied", At: c.CreatedAt, Subject: c.Citizen,
		Actor: privacy.Actor{Kind: privacy.ActorDelegate, NIK: c.Actor, Name: actorName}, Agency: c.Agency,
		Categories: withIdentity(privacy.CategoriesOf(c.Agency)),
		Purpose:    "case:" + c.ID, LegalBasis: privacy.BasisPublicTask, CaseID: c.ID,
	}
}

// eventEntry is the entry of agency a's event e on case c: news of the
// citizen's application, which the agency owes the applicant (Law 25/2009
// on public services: a legal obligation). Its time is the one the case
// keeps for the event, so a repeat with another occurredAt is the same
// entry.
func eventEntry(a sp.Agency, c *Case, e Event) privacy.Entry {
	at := e.OccurredAt
	if i := slices.IndexFunc(c.History, func(h Entry) bool { return h.EventID == e.ID }); i >= 0 {
		at = c.History[i].At
	} else if i := slices.IndexFunc(c.Held, func(h Event) bool { return h.ID == e.ID }); i >= 0 {
		at = c.Held[i].OccurredAt
	}
	return privacy.Entry{
		ID: "case:" + c.ID + ":event:" + e.ID, At: at, Subject: c.Citizen,
		Actor: privacy.Actor{Kind: privacy.ActorSystem}, Agency: a, Categories: privacy.CategoriesOf(a),
		Purpose: "case:" + c.ID, LegalBasis: privacy.BasisLegalObligation, CaseID: c.ID,
	}
}

func withIdentity(cs []privacy.Category) []privacy.Category {
	if slices.Contains(cs, privacy.CategoryIdentity) {
		return cs
	}
	return append([]privacy.Category{privacy.CategoryIdentity}, cs...)
}

// record writes entries to l; a nil log records nothing.
func record(ctx context.Context, l privacy.Log, entries ...privacy.Entry) error {
	if l == nil {
		return nil
	}
	return l.Record(ctx, entries...)
}
