// Package policy decides who may do what for whom: May(actor, subject,
// action) is the one place satupintu decides whether a citizen may act for
// another person (read their records, apply for them, receive their case
// notifications, manage their mandates), and whether the person an
// application is for may have the service at all (a minimum age the law
// sets). Nothing else decides: the resolvers ask it before every read for
// someone else, the case service for the applicant and every person a form
// names, the mandates service before a mandate is managed.
//
// The policy knows three relations:
//
//   - SELF: the subject is the actor. Everything is allowed.
//   - MINOR_CHILD: the subject is a minor on the actor's family card (KK)
//     and the actor is their parent (the head of the family or the spouse,
//     the subject a child) or their guardian (the head of the family, the
//     subject a grandchild or another member). A minor is under 17 on
//     today's date in WIB and never married, as the civil-registration law
//     (UU 24/2013 Adminduk) counts majority; on the 17th birthday, or on
//     marrying, the right ends by itself. Read fresh from the civil registry
//     (Dukcapil) on every request. Parents and guardians may read, apply and
//     receive notifications; never manage mandates (those are between
//     adults).
//   - MANDATE: the subject (the grantor) gave the actor (the grantee) a
//     mandate that covers the action, the grantee accepted it, and it has
//     neither expired nor been revoked (on the model of Finland's Suomi.fi
//     e-Authorizations).
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
	// ViewRecords is reading the subject's records of one domain.
	ViewRecords ActionKind = "VIEW_RECORDS"
	// Apply is applying for a catalog service for the subject.
	Apply ActionKind = "APPLY"
	// ReceiveNotifications is getting the subject's case notifications.
	ReceiveNotifications ActionKind = "RECEIVE_NOTIFICATIONS"
	// ManageMandates is granting, accepting and revoking the subject's
	// mandates. Only the subject themself may.
	ManageMandates ActionKind = "MANAGE_MANDATES"
)

// ActionKinds lists every kind of action.
func ActionKinds() []ActionKind {
	return []ActionKind{ViewRecords, Apply, ReceiveNotifications, ManageMandates}
}

// Domain is a group of records VIEW_RECORDS is for.
type Domain string

const (
	DomainIdentity  Domain = "IDENTITY"  // Dukcapil: the civil record and the family card
	DomainHealth    Domain = "HEALTH"    // BPJS Kesehatan and SATUSEHAT
	DomainEducation Domain = "EDUCATION" // the education registry
	DomainPolice    Domain = "POLICE"    // driving licences, SKCK, tickets
	DomainSocial    Domain = "SOCIAL"    // the welfare register and aid
)

// Domains lists every domain.
func Domains() []Domain {
	return []Domain{DomainIdentity, DomainHealth, DomainEducation, DomainPolice, DomainSocial}
}

// Valid reports whether the policy knows d.
func (d Domain) Valid() bool { return slices.Contains(Domains(), d) }

// DomainOf is the domain of an agency's records.
func DomainOf(a sp.Agency) Domain {
	switch a {
	case sp.AgencyDukcapil:
		return DomainIdentity
	case sp.AgencyBPJS, sp.AgencySatuSehat:
		return DomainHealth
	case sp.AgencyEducation:
		return DomainEducation
	case sp.AgencyPolice:
		return DomainPolice
	case sp.AgencySocial:
		return DomainSocial
	}
	return ""
}

// Relation is what the subject is to the actor, as the policy counts it.
type Relation string

const (
	// Self: the subject is the actor.
	Self Relation = "SELF"
	// MinorChild: the subject is a minor on the actor's family card, under
	// 17 and never married, and the actor is their parent or guardian.
	MinorChild Relation = "MINOR_CHILD"
	// Mandate: the subject gave the actor a mandate covering the action.
	Mandate Relation = "MANDATE"
)

// Relations lists every relation the policy knows.
func Relations() []Relation { return []Relation{Self, MinorChild, Mandate} }

// Valid reports whether the policy knows r.
func (r Relation) Valid() bool { return slices.Contains(Relations(), r) }

// Action is one thing an actor asks to do for a subject.
type Action struct {
	Kind ActionKind
	// Domain is the records read (VIEW_RECORDS).
	Domain Domain
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

// View is reading the subject's records of domain d.
func View(d Domain) Action { return Action{Kind: ViewRecords, Domain: d} }

// Notify is receiving the subject's case notifications.
func Notify() Action { return Action{Kind: ReceiveNotifications} }

// Manage is managing the subject's mandates.
func Manage() Action { return Action{Kind: ManageMandates} }

// Matter is what a mandate covers: an action kind, with its domain
// (VIEW_RECORDS) or service (APPLY).
type Matter struct {
	Kind    ActionKind
	Domain  Domain
	Service string
}

// Check says what is wrong with a matter a grantor names, or nil.
// MANAGE_MANDATES cannot be given.
func (m Matter) Check() error {
	switch m.Kind {
	case ViewRecords:
		if !m.Domain.Valid() || m.Service != "" {
			return fmt.Errorf("VIEW_RECORDS names one domain (%v) and no service", Domains())
		}
	case Apply:
		if m.Service == "" || m.Domain != "" {
			return errors.New("APPLY names one service and no domain")
		}
	case ReceiveNotifications:
		if m.Domain != "" || m.Service != "" {
			return errors.New("RECEIVE_NOTIFICATIONS names no domain and no service")
		}
	case ManageMandates:
		return errors.New("MANAGE_MANDATES cannot be given: only the person themself manages their mandates")
	default:
		return fmt.Errorf("unknown action %q", m.Kind)
	}
	return nil
}

// covers reports whether the matter covers a.
func (m Matter) covers(a Action) bool {
	if m.Kind != a.Kind {
		return false
	}
	switch a.Kind {
	case ViewRecords:
		return m.Domain == a.Domain
	case Apply:
		return m.Service == a.Service
	}
	return a.Kind == ReceiveNotifications
}

// Held is a mandate in force from its grantor to its grantee.
type Held struct {
	ID      string
	Matters []Matter
}

// Mandates finds the mandates in force that grantor gave grantee at now:
// accepted, not revoked, not expired. The mandates package is the one
// implementation; nil knows none.
type Mandates interface {
	InForce(ctx context.Context, grantor, grantee sp.NIK, now time.Time) ([]Held, error)
	// Grantees lists who holds a mandate in force from grantor at now.
	Grantees(ctx context.Context, grantor sp.NIK, now time.Time) ([]sp.NIK, error)
}

// accepts reports whether the action may be done for a subject who is r to
// the actor.
func (a Action) accepts(r Relation) bool {
	return len(a.Relations) == 0 || slices.Contains(a.Relations, r)
}

func (a Action) check() error {
	switch a.Kind {
	case Apply:
		if a.Service == "" {
			return errors.New("policy: APPLY names no service")
		}
	case ViewRecords:
		if !a.Domain.Valid() {
			return fmt.Errorf("policy: VIEW_RECORDS of unknown domain %q", a.Domain)
		}
	case ReceiveNotifications, ManageMandates:
	default:
		return fmt.Errorf("policy: unknown action kind %q", a.Kind)
	}
	if a.MinAge < 0 {
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
	// OnlySelf: the action is one only the subject themself may do
	// (managing their mandates).
	OnlySelf Reason = "ONLY_SELF"
)

// Decision is the policy's answer.
type Decision struct {
	Allowed bool
	// Relation is what the subject is to the actor (when allowed).
	Relation Relation
	// Guardian is set for MINOR_CHILD when the actor is the minor's
	// guardian (the head of their family card), not their parent.
	Guardian bool
	// MandateID is the mandate that allowed the action (MANDATE).
	MandateID string
	// Reason is why not (when refused).
	Reason Reason
	// MinAge is the minimum age that was not met (UnderAge).
	MinAge int
	// For the wording of Message: the subject is the actor; the action
	// could have been for the actor themselves.
	self, selfAccepted bool
	// mandateAccepted: a mandate could have allowed it.
	mandateAccepted bool
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
	if d.mandateAccepted {
		return sp.Text{
			ID: "Anda hanya dapat mengajukan untuk " + strings.TrimSuffix(childID, ".") + ", atau untuk orang yang memberi Anda surat kuasa untuk layanan ini yang sudah Anda terima.",
			EN: "You can only apply for " + strings.TrimSuffix(childEN, ".") + ", or for someone whose mandate for this service you accepted.",
		}
	}
	return sp.Text{ID: "Anda hanya dapat mengajukan untuk " + childID, EN: "You can only apply for " + childEN}
}

// Policy decides from the civil registry. It is safe for concurrent use.
type Policy struct {
	registry readmodel.CivilRegistry
	mandates Mandates
	now      func() time.Time
}

type registryKey struct{}

// WithRegistry returns ctx whose decisions read the civil registry
// through r: a response's loader (readmodel.Loader.Registry), so the
// policy and the fields share one read of the actor's record and card.
func WithRegistry(ctx context.Context, r readmodel.CivilRegistry) context.Context {
	return context.WithValue(ctx, registryKey{}, r)
}

// registryFor is the registry the decisions made with ctx read.
func (p *Policy) registryFor(ctx context.Context) readmodel.CivilRegistry {
	if r, ok := ctx.Value(registryKey{}).(readmodel.CivilRegistry); ok {
		return r
	}
	return p.registry
}

// WithMandates has p allow what the mandates in m cover.
func (p *Policy) WithMandates(m Mandates) *Policy {
	p.mandates = m
	return p
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
// Decision, not an error; the error is for a registry or mandate store that
// could not be read (an *sp.Error naming Dukcapil) or an action the policy
// does not know. A self action without a minimum age reads nothing.
func (p *Policy) May(ctx context.Context, actor, subject sp.NIK, action Action) (Decision, error) {
	if err := action.check(); err != nil {
		return Decision{}, err
	}
	refuse := func(r Reason) Decision {
		return Decision{Reason: r, selfAccepted: action.accepts(Self), mandateAccepted: p.mandates != nil && action.accepts(Mandate)}
	}
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
		c, err := p.registryFor(ctx).Citizen(ctx, actor)
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
	if action.Kind == ManageMandates {
		return refuse(OnlySelf), nil
	}

	// A parent or guardian first: the register, not a mandate, gives it.
	reason := NotRelated
	if action.accepts(MinorChild) {
		child, guardian, why, err := p.child(ctx, actor, subject)
		if err != nil {
			return Decision{}, err
		}
		age := child.BirthDate.AgeOn(today)
		switch {
		case why != "":
			reason = why
		case age >= Majority:
			reason = Adult
		case !neverMarried(child.MaritalStatus):
			reason = Married
		case age < action.MinAge:
			return Decision{Reason: UnderAge, MinAge: action.MinAge}, nil
		default:
			d := allow(MinorChild)
			d.Guardian = guardian
			return d, nil
		}
	}
	if p.mandates == nil || !action.accepts(Mandate) {
		return refuse(reason), nil
	}
	held, err := p.mandates.InForce(ctx, subject, actor, p.now())
	if err != nil {
		return Decision{}, fmt.Errorf("policy: the mandates: %w", err)
	}
	for _, h := range held {
		for _, m := range h.Matters {
			if !m.covers(action) {
				continue
			}
			if action.MinAge > 0 {
				c, err := p.registryFor(ctx).Citizen(ctx, subject)
				if err != nil {
					return Decision{}, fmt.Errorf("policy: the grantor's civil record: %w", err)
				}
				if c == nil {
					return Decision{Reason: AgeUnknown}, nil
				}
				if c.BirthDate.AgeOn(today) < action.MinAge {
					return Decision{Reason: UnderAge, MinAge: action.MinAge}, nil
				}
			}
			return Decision{Allowed: true, Relation: Mandate, MandateID: h.ID}, nil
		}
	}
	return refuse(reason), nil
}

// Receivers lists who, besides the subject, may RECEIVE_NOTIFICATIONS for
// them now: of the heads and spouses on the subject's family card and the
// holders of the subject's mandates in force, those May allows.
func (p *Policy) Receivers(ctx context.Context, subject sp.NIK) ([]sp.NIK, error) {
	var candidates []sp.NIK
	c, err := p.registryFor(ctx).Citizen(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("policy: the subject's civil record: %w", err)
	}
	if c != nil {
		fam, err := p.registryFor(ctx).Family(ctx, subject, c.KK)
		if err != nil {
			return nil, fmt.Errorf("policy: the subject's family card: %w", err)
		}
		if fam != nil {
			for _, m := range fam.Members {
				if m.Relationship == readmodel.RelationshipHead || m.Relationship == readmodel.RelationshipSpouse {
					candidates = append(candidates, m.NIK)
				}
			}
		}
	}
	if p.mandates != nil {
		gs, err := p.mandates.Grantees(ctx, subject, p.now())
		if err != nil {
			return nil, fmt.Errorf("policy: the mandates: %w", err)
		}
		candidates = append(candidates, gs...)
	}
	var out []sp.NIK
	for _, who := range candidates {
		if who == subject || slices.Contains(out, who) {
			continue
		}
		d, err := p.May(ctx, who, subject, Notify())
		if err != nil {
			return nil, err
		}
		if d.Allowed {
			out = append(out, who)
		}
	}
	return out, nil
}

// child finds subject as a minor's row on the family card on which actor
// is the head or the spouse, with the child's marital status: a parent
// (head or spouse, the subject a child) or a guardian (the head, the
// subject a grandchild or another member).
func (p *Policy) child(ctx context.Context, actor, subject sp.NIK) (_ readmodel.FamilyMember, guardian bool, _ Reason, _ error) {
	c, err := p.registryFor(ctx).Citizen(ctx, actor)
	if err != nil {
		return readmodel.FamilyMember{}, false, "", fmt.Errorf("policy: the actor's civil record: %w", err)
	}
	if c == nil {
		return readmodel.FamilyMember{}, false, NotRelated, nil
	}
	fam, err := p.registryFor(ctx).Family(ctx, actor, c.KK)
	if err != nil {
		return readmodel.FamilyMember{}, false, "", fmt.Errorf("policy: the actor's family card: %w", err)
	}
	if fam == nil {
		return readmodel.FamilyMember{}, false, NotRelated, nil
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
	if me == nil || them == nil {
		return readmodel.FamilyMember{}, false, NotRelated, nil
	}
	parent := them.Relationship == readmodel.RelationshipChild &&
		(me.Relationship == readmodel.RelationshipHead || me.Relationship == readmodel.RelationshipSpouse)
	guardian = me.Relationship == readmodel.RelationshipHead &&
		(them.Relationship == readmodel.RelationshipGrandchild || them.Relationship == readmodel.RelationshipOther)
	if !parent && !guardian {
		return readmodel.FamilyMember{}, false, NotRelated, nil
	}
	child := *them
	if child.MaritalStatus == "" {
		// A card without the column: the child's own record says.
		rec, err := p.registryFor(ctx).Citizen(ctx, subject)
		if err != nil {
			return readmodel.FamilyMember{}, false, "", fmt.Errorf("policy: the child's civil record: %w", err)
		}
		if rec == nil || rec.KK != c.KK {
			return readmodel.FamilyMember{}, false, NotRelated, nil
		}
		child.MaritalStatus = rec.MaritalStatus
	}
	return child, guardian, "", nil
}

// Forbidden is the error of a refused read or action for someone else
// (FORBIDDEN), the same for every reason a stranger could learn from.
func (d Decision) Forbidden(a Action) *sp.Error {
	what := "act for this person"
	switch a.Kind {
	case ViewRecords:
		what = "see this person's " + strings.ToLower(string(a.Domain)) + " records"
	case Apply:
		what = "apply for this person"
	case ReceiveNotifications:
		what = "receive this person's notifications"
	case ManageMandates:
		what = "manage this person's mandates: only they can"
	}
	return sp.Errorf(sp.CodeForbidden, "you may not %s (you act only for yourself, your minor children or wards on your family card, and those whose mandate you accepted)", what)
}

// neverMarried reads Dukcapil's status perkawinan: BELUM KAWIN is never
// married; KAWIN, CERAI HIDUP, CERAI MATI (and anything unrecognised, to be
// safe) are not.
func neverMarried(status string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(status), " "), "BELUM KAWIN")
}
