package resolvers

import (
	"context"
	"crypto/rand"
	"strconv"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/graph/globalid"
)

// The ids of the schema's objects are graph/globalid's: each type's
// natural key, a personal number only as its reference. What exists once
// per citizen (home, health, the sources of their data…) is keyed by the
// reference of the signed-in citizen's NIK.

// ids returns the ids under IDKey, or under a random key of this process
// when none is configured.
func (r *Resolver) ids() globalid.IDs {
	r.idsOnce.Do(func() {
		key := r.IDKey
		if len(key) == 0 {
			key = make([]byte, 32)
			_, _ = rand.Read(key)
		}
		r.idsVal = globalid.NewIDs(key)
	})
	return r.idsVal
}

// ofCitizen is the id of the signed-in citizen's object of type typ (one
// per citizen: Home, Health, Education, Police, Social, Address).
func (r *Resolver) ofCitizen(ctx context.Context, typ string) (string, error) {
	nik, err := whose(ctx)
	if err != nil {
		return "", err
	}
	return r.ids().Citizen(typ, string(nik)), nil
}

// ofCitizenAnd is the id of the signed-in citizen's object of type typ
// named by key among theirs (a source by agency, a programme by code).
func (r *Resolver) ofCitizenAnd(ctx context.Context, typ, key string) (string, error) {
	nik, err := whose(ctx)
	if err != nil {
		return "", err
	}
	return r.ids().OfCitizen(typ, string(nik), key), nil
}

// entryID names a history entry by its case and what it records: the same
// entry in case.history and in a caseUpdated message has the same id.
func entryID(number string, e cases.Entry) string {
	return globalid.Encode("CaseHistoryEntry", number+":"+globalid.Digest(
		strconv.FormatInt(e.At.UnixNano(), 10), string(e.Status), string(e.Source), strconv.Itoa(e.Sequence), e.EventID, string(e.Skipped)))
}

// Arguments that take an id accept the bare key too: a case number from a
// push or a deep link, a catalog code from an alert.
func caseNumber(id string) string      { return globalid.KeyOf("Case", id) }
func notificationKey(id string) string { return globalid.KeyOf("Notification", id) }
func serviceCode(id string) string     { return globalid.KeyOf("Service", id) }
func lifeEventCode(id string) string   { return globalid.KeyOf("LifeEvent", id) }
