// Package catalog is satupintu's citizen-centred service catalog: what a
// citizen can ask for, grouped by life event (a baby is born, a licence
// expires) rather than by agency, with the form each online service takes,
// the rules that decide who may ask, and where to go for the services that
// have no API yet.
//
// The catalog is data (catalog.json, embedded and reviewed like code) that
// Load checks as a whole at start: a catalog with a mistake stops the
// process with a message naming the service and field.
//
// # Who a request is for
//
// Two declarations say who may ask; package policy evaluates both, and is
// the only place that decides (the case service asks it on every
// submission):
//
//   - "minAge" on a service is the age, in whole years on the day of the
//     request (WIB), the law requires of the applicant (17 for an SKCK and a
//     driving licence). Below it, or with no civil record to tell, the
//     request is refused with AGE_REQUIREMENT on serviceId.
//
//   - "person" on a field marks a value that names a person, and says who
//     that person may be to the citizen applying:
//
//     "person": {"identifier": "NIK", "relations": ["MINOR_CHILD"]}
//
//     identifier is how the value names them: NIK (the value is the NIK;
//     the field must be TEXT with pattern ^[0-9]{16}$) or NISN (a student
//     number, resolved to the student's NIK through the education records
//     the citizen can see, which a NISN field therefore reads; pattern
//     ^[0-9]{10}$). relations are policy.Relations: SELF (the citizen
//     themselves) and MINOR_CHILD (their child on the family card on which
//     they are head or spouse, under 17 and never married). A person the
//     citizen may not act for is refused with PERSON_NOT_ALLOWED on the
//     field, and nothing is stored or forwarded. Load refuses a field named
//     like a person's identifier (nik, childNik, nisn, …) without "person".
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
)

//go:embed catalog.json
var embedded []byte

// Domain is the area of government a service belongs to.
type Domain string

const (
	DomainHealth        Domain = "HEALTH"
	DomainEducation     Domain = "EDUCATION"
	DomainPolice        Domain = "POLICE"
	DomainSocial        Domain = "SOCIAL"
	DomainCivilRegistry Domain = "CIVIL_REGISTRY"
)

// Domains lists every domain.
var Domains = []Domain{DomainHealth, DomainEducation, DomainPolice, DomainSocial, DomainCivilRegistry}

// Channel says how a citizen asks for a service.
type Channel string

const (
	// ChannelOnline services are submitted in the app and forwarded to the agency.
	ChannelOnline Channel = "ONLINE"
	// ChannelOffline services have no API yet: the app says where to go
	// and what to bring (a directory entry).
	ChannelOffline Channel = "OFFLINE"
)

// ForwardingAgencies accept forwarded requests; only they may own ONLINE services.
var ForwardingAgencies = []sp.Agency{sp.AgencyPolice, sp.AgencyEducation, sp.AgencyBPJS, sp.AgencySocial}

// FieldType is the kind of value a form field takes. Values always travel
// as strings; the type says how they are checked.
type FieldType string

const (
	TypeText   FieldType = "TEXT"
	TypeEnum   FieldType = "ENUM"   // one of Options' values
	TypeDate   FieldType = "DATE"   // YYYY-MM-DD, within MinDate..MaxDate relative to today
	TypeNumber FieldType = "NUMBER" // a whole number in digits, no separators
)

// LifeEvent groups services around something that happens in a citizen's
// life, as Singapore's LifeSG does.
type LifeEvent struct {
	ID          string  `json:"id"`
	Name        sp.Text `json:"name"`
	Description sp.Text `json:"description"`
}

// Service is one thing a citizen can ask the government for. Treat it as
// read-only: it is shared by every request.
type Service struct {
	ID          string    `json:"id"`
	Name        sp.Text   `json:"name"`
	Description sp.Text   `json:"description"`
	Agency      sp.Agency `json:"agency"`
	Domain      Domain    `json:"domain"`
	LifeEvents  []string  `json:"lifeEvents"`
	Channel     Channel   `json:"channel"`
	// SingleOpen: a citizen may have only one request of this service in progress.
	SingleOpen bool    `json:"singleOpen"`
	Fields     []Field `json:"fields"`
	// Eligibility names the rules (see the Rule constants) checked against
	// agency data before a request is accepted.
	Eligibility []string `json:"eligibility"`
	Fee         int64    `json:"fee"` // rupiah; 0 when free
	// Payment is how the fee is paid inside the errand (nil: it is not:
	// paid at the agency's counter, or free).
	Payment        *Payment `json:"payment"`
	ProcessingDays int      `json:"processingDays"` // typical
	Offline        *Offline `json:"offline"`        // set exactly for OFFLINE services
	// MinAge is the applicant's minimum age in whole years where the law
	// sets one (0: none); package policy checks it against Dukcapil.
	MinAge int `json:"minAge"`

	fieldIndex map[string]*Field
	haystack   string // folded text Search looks in
}

// FeeDue is when a fee paid inside the errand is due.
type FeeDue string

const (
	// FeeBeforeForwarding: the case waits in AWAITING_PAYMENT with a bill
	// and is forwarded to the agency once paid.
	FeeBeforeForwarding FeeDue = "BEFORE_FORWARDING"
	// FeeAfterApproval: the case is forwarded at once; when the agency
	// approves it, it moves to AWAITING_PAYMENT with a bill, and satupintu
	// completes it once paid (the agency does not send COMPLETED).
	FeeAfterApproval FeeDue = "AFTER_APPROVAL"
)

// Payment is a fee billed through the state treasury (SIMPONI, PNBP) and
// paid in the app.
type Payment struct {
	Due FeeDue `json:"due"`
	// Regulation is where the amount comes from (e.g. "PP 76/2020").
	Regulation string `json:"regulation"`
	// ByField names an ENUM field whose value picks the amount from
	// Amounts; without it the amount is the service's Fee.
	ByField string           `json:"byField"`
	Amounts map[string]int64 `json:"amounts"`
}

// Amount is the fee, in whole rupiah, of a request with these (normalized)
// fields; ok false when the service bills nothing in the app.
func (s *Service) Amount(fields map[string]string) (amount int64, ok bool) {
	if s.Payment == nil {
		return 0, false
	}
	if s.Payment.ByField != "" {
		a, ok := s.Payment.Amounts[fields[s.Payment.ByField]]
		return a, ok && a > 0
	}
	return s.Fee, s.Fee > 0
}

// Due reports when the fee of a request with these (normalized) fields is
// billed in the app; ok false when it is not.
func (s *Service) Due(fields map[string]string) (due FeeDue, ok bool) {
	if _, ok := s.Amount(fields); !ok {
		return "", false
	}
	return s.Payment.Due, true
}

// Field is one input of a service's form.
type Field struct {
	Name     string    `json:"name"`
	Label    sp.Text   `json:"label"`
	Help     sp.Text   `json:"help"` // optional
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	// Pattern is an anchored Go (RE2) regular expression for TEXT and
	// NUMBER; PatternHint tells the citizen in words what it wants.
	Pattern     string   `json:"pattern"`
	PatternHint sp.Text  `json:"patternHint"`
	MinLength   int      `json:"minLength"` // TEXT, in characters
	MaxLength   int      `json:"maxLength"` // TEXT, in characters
	Options     []Option `json:"options"`   // ENUM
	// MinDate and MaxDate bound a DATE relative to the day of the request:
	// "today", "+90" (at most 90 days ahead), "-365" (at most a year ago).
	MinDate string `json:"minDate"`
	MaxDate string `json:"maxDate"`
	// Person is set when the value names a person: who they may be to the
	// citizen applying (see the package documentation).
	Person *Person `json:"person"`

	re               *regexp.Regexp
	minDays, maxDays *int
}

// Identifier is how a person field's value names the person.
type Identifier string

const (
	IdentifierNIK  Identifier = "NIK"  // the value is the person's NIK
	IdentifierNISN Identifier = "NISN" // a student number, resolved through the citizen's education records
)

// identifierPatterns are the patterns a person field of each identifier
// must carry, so every value reaching the policy has the identifier's form.
var identifierPatterns = map[Identifier]string{
	IdentifierNIK:  `^[0-9]{16}$`,
	IdentifierNISN: `^[0-9]{10}$`,
}

// Person says who a field's value names and who they may be to the citizen
// applying.
type Person struct {
	Identifier Identifier        `json:"identifier"`
	Relations  []policy.Relation `json:"relations"`
}

// Subject is the NIK of the person value names, as far as the citizen can
// see: for a NISN, the student's NIK among the education records in f
// (which the service's Needs asked for); "" when value names nobody the
// citizen can see, which the policy refuses like any invalid NIK.
func (p *Person) Subject(value string, f Facts) sp.NIK {
	value = strings.TrimSpace(value)
	switch p.Identifier {
	case IdentifierNIK:
		return sp.NIK(value)
	case IdentifierNISN:
		for _, st := range f.Students {
			if string(st.NISN) == value {
				return st.NIK
			}
		}
	}
	return ""
}

// Option is one choice of an ENUM field.
type Option struct {
	Value string  `json:"value"`
	Label sp.Text `json:"label"`
}

// Offline tells a citizen how to get a service that has no API yet.
type Offline struct {
	Where sp.Text   `json:"where"`
	Bring []sp.Text `json:"bring"`
	Hours sp.Text   `json:"hours"`
	URL   string    `json:"url"` // optional, https
}

// Catalog is the loaded, checked catalog. It is immutable and safe for
// concurrent use.
type Catalog struct {
	lifeEvents []LifeEvent
	services   []*Service
	byID       map[string]*Service
}

// file is the shape of catalog.json.
type file struct {
	LifeEvents []LifeEvent `json:"lifeEvents"`
	Services   []*Service  `json:"services"`
}

// Load parses and checks the embedded catalog.
func Load() (*Catalog, error) { return Parse(embedded) }

// Parse parses and checks a catalog. Every problem is reported at once,
// each naming the service and field it is about.
func Parse(b []byte) (*Catalog, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt key must not silently drop a rule
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return nil, errors.New("catalog: unexpected data after the catalog object")
	}
	if err := check(&f); err != nil {
		return nil, err
	}
	c := &Catalog{lifeEvents: f.LifeEvents, services: f.Services, byID: make(map[string]*Service, len(f.Services))}
	for _, s := range f.Services {
		c.byID[s.ID] = s
		s.fieldIndex = make(map[string]*Field, len(s.Fields))
		for i := range s.Fields {
			s.fieldIndex[s.Fields[i].Name] = &s.Fields[i]
		}
		s.haystack = fold(strings.Join([]string{
			s.ID, strings.ReplaceAll(s.ID, "-", " "),
			s.Name.ID, s.Name.EN, s.Description.ID, s.Description.EN,
		}, "\n"))
	}
	return c, nil
}

// Service returns the service with the id.
func (c *Catalog) Service(id string) (*Service, bool) {
	s, ok := c.byID[id]
	return s, ok
}

// Services lists every service in catalog order.
func (c *Catalog) Services() []*Service { return slices.Clone(c.services) }

// LifeEvents lists the life events in catalog order.
func (c *Catalog) LifeEvents() []LifeEvent { return slices.Clone(c.lifeEvents) }

// LifeEvent returns the life event with the id.
func (c *Catalog) LifeEvent(id string) (LifeEvent, bool) {
	for _, e := range c.lifeEvents {
		if e.ID == id {
			return e, true
		}
	}
	return LifeEvent{}, false
}

// Search returns, in catalog order, the services whose id, name or
// description (in either language) contains every word of query, ignoring
// case and accents. An empty query matches every service. A non-empty
// lifeEvent keeps only the services of that life event.
func (c *Catalog) Search(query, lifeEvent string) []*Service {
	words := strings.Fields(fold(query))
	var out []*Service
	for _, s := range c.services {
		if lifeEvent != "" && !slices.ContainsFunc(s.LifeEvents, func(e string) bool { return strings.EqualFold(e, lifeEvent) }) {
			continue
		}
		if all(words, func(w string) bool { return strings.Contains(s.haystack, w) }) {
			out = append(out, s)
		}
	}
	return out
}

// PersonFields lists, in form order, the fields whose value names a person.
func (s *Service) PersonFields() []*Field {
	var out []*Field
	for i := range s.Fields {
		if s.Fields[i].Person != nil {
			out = append(out, &s.Fields[i])
		}
	}
	return out
}

// Field returns the service's field with the name.
func (s *Service) Field(name string) (*Field, bool) {
	f, ok := s.fieldIndex[name]
	return f, ok
}

// Option returns the ENUM option with the value.
func (f *Field) Option(value string) (Option, bool) {
	for _, o := range f.Options {
		if o.Value == value {
			return o, true
		}
	}
	return Option{}, false
}

// DateBounds returns the earliest and latest dates a DATE field accepts on
// today; a zero Date means no bound.
func (f *Field) DateBounds(today sp.Date) (earliest, latest sp.Date) {
	if f.minDays != nil {
		earliest = today.AddDays(*f.minDays)
	}
	if f.maxDays != nil {
		latest = today.AddDays(*f.maxDays)
	}
	return earliest, latest
}

func all[T any](xs []T, ok func(T) bool) bool {
	for _, x := range xs {
		if !ok(x) {
			return false
		}
	}
	return true
}
