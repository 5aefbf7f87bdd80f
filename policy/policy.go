// Package policy decides who may do what for whom: May(actor, subject,
// action) is the one place satupintu decides whether a citizen may act for
// another person, and whether the person an application is for may have the
// service at all (a minimum age the law sets). Nothing else decides; the
// case service asks it for the applicant and for every person a form names.
//
// Today the policy knows two relations, both from the civil registry
// (Dukcapil), read fresh on every request through the agency chain:
//
//   - SELF: the subject is the actor.
//   - MINOR_CHILD: the actor is the head of the family or the spouse on a
//     family card (KK) on which the subject is a child, and the subject is
//     a minor: under 17 on today's date in WIB and never married, as the
//     civil-registration law (UU 24/2013 Adminduk) counts majority. On the
//     17th birthday, or on marrying, the right ends by itself.
//
// Guardians, mandates between adults and the other actions (reading
// records, receiving notifications, managing mandates) are to come; the
// types are shaped for them.
package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// Majority is the age at which a citizen stops being a minor (UU 24/2013:
// a KTP-el at 17, or on marrying before).
const Majority = 17

// ActionKind is what an actor does for a subject.
type ActionKind string

const (
	// Apply is applying for a catalog service for the subject.
	Apply ActionKind = "APPLY"
)

// Relation is what the subject is to the actor, as the policy counts it.
type Relation string

const (
	// Self: the subject is the actor.
	Self Relation = "SELF"
	// MinorChild: the subject is a child of the actor on the actor's family
	// card, under 17 and never married; the actor is its head or spouse.
	MinorChild Relation = "MINOR_CHILD"
)

// Relations lists every relation the policy knows.
func Relations() []Relation { return []Relation{Self, MinorChild} }

// Valid reports whether the policy knows r.
func (r Relation) Valid() bool { return slices.Contains(Relations(), r) }

// Action is one thing an actor asks to do for a subject.
type Action struct {
	Kind ActionKind
	// Service is the catalog service applied for (APPLY).
	Service string
	// MinAge is the age, in whole years on today's date in WIB, the subject
	// must have reached (APPLY; 0 for none).
	MinAge int
	// Relations are those the subject may have to the actor for this
	// action; none means any relation the policy knows.
	Relations []Relation
}

// ApplyFor is applying for service for a subject who is one of relations
// to the actor (any relation when none are given).
func ApplyFor(service string, relations ...Relation) Action {
	return Action{Kind: Apply, Service: service, Relations: relations}
}

// accepts reports whether the action may be done for a subject who is r to
// the actor.
func (a Action) accepts(r Relation) bool {
	return len(a.Relations) == 0 || slices.Contains(a.Relations, r)
}

func (a Action) check() error {
	switch {
	case a.Kind != Apply:
		return fmt.Errorf("policy: unknown action kind %q", a.Kind)
	case a.Service == "":
		return errors.New("policy: APPLY names no service")
	case a.MinAge < 0:
		return fmt.Errorf("policy: negative minimum age %d", a.MinAge)
	}
	for _, r := range a.Relations {
		if !r.Valid() {
			return fmt.Errorf("policy: unknown relation %q", r)
		}
	}
	return nil
}

// Reason says why an action was refused.
type Reason string

const (
	// NotRelated: the subject is not a valid NIK, not known, or not a
	// person the actor may act for (not their child on their family card,
	// or the actor is not its head or spouse). Deliberately one reason:
	// a refusal never tells a stranger anything about the subject.
	NotRelated Reason = "NOT_RELATED"
	// SelfNotAccepted: the subject is the actor, where the action is for
	// another person (a child's NIK filled in with one's own).
	SelfNotAccepted Reason = "SELF_NOT_ACCEPTED"
	// Adult: the actor's child is 17 or older.
	Adult Reason = "ADULT"
	// Married: the actor's child is or has been married.
	Married Reason = "MARRIED"
	// UnderAge: the subject has not reached the action's minimum age.
	UnderAge Reason = "UNDER_AGE"
	// AgeUnknown: the civil registry does not know the subject, so a
	// minimum age cannot be checked.
	AgeUnknown Reason = "AGE_UNKNOWN"
)

// Decision is the policy's answer.
type Decision struct {
	Allowed bool
	// Relation is what the subject is to the actor (when allowed).
	Relation Relation
	// Reason is why not (when refused).
	Reason Reason
	// MinAge is the minimum age that was not met (UnderAge).
	MinAge int
	// For the wording of Message: the subject is the actor; the action
	// could have been for the actor themselves.
	self, selfAccepted bool
}

func allow(r Relation) Decision { return Decision{Allowed: true, Relation: r, self: r == Self} }

// Message tells the actor, in both languages, why they were refused and
// what to do instead. It is empty for an allowed action.
func (d Decision) Message() sp.Text {
	switch d.Reason {
	case "":
		return sp.Text{}
	case SelfNotAccepted:
		return sp.Text{
			ID: "Ini untuk anak Anda: isi dengan nomor anak Anda, bukan nomor Anda sendiri.",
			EN: "This is for your child: enter your child's number, not your own.",
		}
	case Adult:
		return sp.Text{
			ID: "Anak ini sudah berusia 17 tahun, jadi sudah dewasa menurut hukum administrasi kependudukan; ia mengajukan sendiri dengan akunnya.",
			EN: "This child is 17 or older, an adult under civil-registration law, and applies with their own account.",
		}
	case Married:
		return sp.Text{
			ID: "Anak ini sudah pernah menikah, jadi sudah dewasa menurut hukum administrasi kependudukan; ia mengajukan sendiri dengan akunnya.",
			EN: "This child has been married, which makes them an adult under civil-registration law; they apply with their own account.",
		}
	case UnderAge:
		if d.self {
			return sp.Text{
				ID: fmt.Sprintf("Layanan ini hanya untuk pemohon berusia %d tahun ke atas, menurut tanggal lahir Anda di data kependudukan (Dukcapil).", d.MinAge),
				EN: fmt.Sprintf("This service is only for applicants aged %d or over, by your date of birth in the civil registry (Dukcapil).", d.MinAge),
			}
		}
		return sp.Text{
			ID: fmt.Sprintf("Layanan ini hanya untuk orang berusia %d tahun ke atas, menurut tanggal lahir di data kependudukan (Dukcapil).", d.MinAge),
			EN: fmt.Sprintf("This service is only for people aged %d or over, by their date of birth in the civil registry (Dukcapil).", d.MinAge),
		}
	case AgeUnknown:
		return sp.Text{
			ID: "Data kependudukan tidak ditemukan di Dukcapil, sehingga usia untuk layanan ini tidak dapat diperiksa. Hubungi Disdukcapil kabupaten/kota Anda.",
			EN: "The civil registry (Dukcapil) has no record to check the age this service requires. Contact your regency or city civil registry office.",
		}
	}
	const (
		childID = "anak Anda yang belum dewasa (di bawah 17 tahun dan belum pernah menikah) yang tercatat di Kartu Keluarga yang sama dengan Anda sebagai kepala keluarga atau istri/suami."
		childEN = "a child of yours who is a minor (under 17 and never married) on the family card (KK) on which you are the head of the family or the spouse."
	)
	if d.selfAccepted {
		return sp.Text{
			ID: "Anda hanya dapat mengajukan untuk diri sendiri atau untuk " + childID,
			EN: "You can only apply for yourself or for " + childEN,
		}
	}
	return sp.Text{ID: "Anda hanya dapat mengajukan untuk " + childID, EN: "You can only apply for " + childEN}
}

// Policy decides from the civil registry. It is safe for concurrent use.
type Policy struct {
	registry readmodel.CivilRegistry
	now      func() time.Time
}

// New returns the policy over the civil registry (the Dukcapil adapter, so
// reads go through the agency chain and its cache like every other read).
func New(registry readmodel.CivilRegistry, now func() time.Time) *Policy {
	if now == nil {
		now = time.Now
	}
	return &Policy{registry: registry, now: now}
}

// May decides whether actor may do action for subject. A refusal is a
// Decision, not an error; the error is for a registry that could not be
// read (an *sp.Error naming Dukcapil) or an action the policy does not know.
// A self action without a minimum age reads nothing.
func (p *Policy) May(ctx context.Context, actor, subject sp.NIK, action Action) (Decision, error) {
	if err := action.check(); err != nil {
		return Decision{}, err
	}
	refuse := func(r Reason) Decision { return Decision{Reason: r, selfAccepted: action.accepts(Self)} }
	if _, err := sp.ParseNIK(string(subject)); err != nil {
		return refuse(NotRelated), nil
	}
	today := sp.DateOf(p.now())
	if subject == actor {
		if !action.accepts(Self) {
			return refuse(SelfNotAccepted), nil
		}
		if action.MinAge == 0 {
			return allow(Self), nil
		}
		c, err := p.registry.Citizen(ctx, actor)
		if err != nil {
			return Decision{}, fmt.Errorf("policy: the actor's civil record: %w", err)
		}
		if c == nil {
			return Decision{Reason: AgeUnknown, self: true}, nil
		}
		if c.BirthDate.AgeOn(today) < action.MinAge {
			return Decision{Reason: UnderAge, MinAge: action.MinAge, self: true}, nil
		}
		return allow(Self), nil
	}

	if !action.accepts(MinorChild) {
		return refuse(NotRelated), nil
	}
	child, reason, err := p.child(ctx, actor, subject)
	if err != nil {
		return Decision{}, err
	}
	if reason != "" {
		return refuse(reason), nil
	}
	age := child.BirthDate.AgeOn(today)
	switch {
	case age >= Majority:
		return refuse(Adult), nil
	case !neverMarried(child.MaritalStatus):
		return refuse(Married), nil
	case age < action.MinAge:
		return Decision{Reason: UnderAge, MinAge: action.MinAge}, nil
	}
	return allow(MinorChild), nil
}

// child finds subject as a child on the family card on which actor is the
// head or the spouse, with the child's marital status.
func (p *Policy) child(ctx context.Context, actor, subject sp.NIK) (readmodel.FamilyMember, Reason, error) {
	c, err := p.registry.Citizen(ctx, actor)
	if err != nil {
		return readmodel.FamilyMember{}, "", fmt.Errorf("policy: the actor's civil record: %w", err)
	}
	if c == nil {
		return readmodel.FamilyMember{}, NotRelated, nil
	}
	fam, err := p.registry.Family(ctx, actor, c.KK)
	if err != nil {
		return readmodel.FamilyMember{}, "", fmt.Errorf("policy: the actor's family card: %w", err)
	}
	if fam == nil {
		return readmodel.FamilyMember{}, NotRelated, nil
	}
	var me, them *readmodel.FamilyMember
	for i := range fam.Members {
		switch m := &fam.Members[i]; m.NIK {
		case actor:
			me = m
		case subject:
			them = m
		}
	}
	if me == nil || them == nil || them.Relationship != readmodel.RelationshipChild ||
		(me.Relationship != readmodel.RelationshipHead && me.Relationship != readmodel.RelationshipSpouse) {
		return readmodel.FamilyMember{}, NotRelated, nil
	}
	child := *them
	if child.MaritalStatus == "" {
		// A card without the column: the child's own record says.
		rec, err := p.registry.Citizen(ctx, subject)
		if err != nil {
			return readmodel.FamilyMember{}, "", fmt.Errorf("policy: the child's civil record: %w", err)
		}
		if rec == nil || rec.KK != c.KK {
			return readmodel.FamilyMember{}, NotRelated, nil
		}
		child.MaritalStatus = rec.MaritalStatus
	}
	return child, "", nil
}

// neverMarried reads Dukcapil's status perkawinan: BELUM KAWIN is never
// married; KAWIN, CERAI HIDUP, CERAI MATI (and anything unrecognised, to be
// safe) are not.
func neverMarried(status string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(status), " "), "BELUM KAWIN")
}
