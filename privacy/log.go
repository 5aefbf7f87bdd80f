package privacy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Categories are every category, in display order.
var Categories = []Category{CategoryIdentity, CategoryHealth, CategoryEducation, CategoryPolice, CategorySocial, CategoryFinance}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool { return slices.Contains(Categories, c) }

// Bases are every legal basis.
var Bases = []LegalBasis{BasisConsent, BasisLegalObligation, BasisPublicTask, BasisVitalInterest}

// Valid reports whether b is one of Bases.
func (b LegalBasis) Valid() bool { return slices.Contains(Bases, b) }

// ActorKinds are every kind of actor.
var ActorKinds = []ActorKind{ActorCitizen, ActorDelegate, ActorVerifier, ActorAgency, ActorOperator, ActorSystem}

// Valid reports whether k is one of ActorKinds.
func (k ActorKind) Valid() bool { return slices.Contains(ActorKinds, k) }

// inOrder is cs in display order without repeats, or the first category
// that is none.
func inOrder(cs []Category) (_ []Category, invalid Category) {
	for _, c := range cs {
		if !c.Valid() {
			return nil, c
		}
	}
	out := make([]Category, 0, len(cs))
	for _, c := range Categories {
		if slices.Contains(cs, c) {
			out = append(out, c)
		}
	}
	return out, ""
}

// AgencyCategories are the categories of every agency's register: what
// satupintu's own processing of all of a citizen's data touches (an
// export, an erasure).
func AgencyCategories() []Category {
	var out []Category
	for _, a := range sp.Agencies {
		for _, c := range CategoriesOf(a) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// CategoriesOf are the categories of the data an agency's register holds:
// what a read from it touches.
func CategoriesOf(a sp.Agency) []Category {
	switch a {
	case sp.AgencyDukcapil:
		return []Category{CategoryIdentity}
	case sp.AgencyBPJS, sp.AgencySatuSehat:
		return []Category{CategoryHealth}
	case sp.AgencyEducation:
		return []Category{CategoryEducation}
	case sp.AgencyPolice:
		return []Category{CategoryPolice}
	case sp.AgencySocial:
		return []Category{CategorySocial}
	}
	return nil
}

// Limits of an entry's free-text members, so a hostile agency report
// costs little to store.
const (
	MaxIDLength      = 160 // an agency's event id (128) behind its agency's name
	MaxPurposeLength = 255 // as X-Road-Issue
	MaxActorLength   = 128
)

// ErrInvalidEntry is an entry a Log refuses: the batch it came in is not
// recorded.
var ErrInvalidEntry = errors.New("privacy: invalid access log entry")

// Normalize checks e and returns it as every engine stores it: an id
// assigned when it has none, the time to the microsecond (PostgreSQL's
// precision) in UTC, the categories in display order without repeats.
func Normalize(e Entry) (Entry, error) {
	bad := func(format string, a ...any) (Entry, error) {
		return Entry{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidEntry}, a...)...)
	}
	switch {
	case len(e.ID) > MaxIDLength:
		return bad("id longer than %d", MaxIDLength)
	case e.At.IsZero():
		return bad("no time")
	case e.Subject == "":
		return bad("no subject")
	case !e.Actor.Kind.Valid():
		return bad("actor kind %q", e.Actor.Kind)
	case len(e.Actor.ID) > MaxActorLength || len(e.Actor.Name) > MaxActorLength:
		return bad("actor id or name longer than %d", MaxActorLength)
	case e.Agency != "" && !e.Agency.Valid():
		return bad("agency %q", e.Agency)
	case len(e.Categories) == 0:
		return bad("no category")
	case e.Purpose == "" || len(e.Purpose) > MaxPurposeLength:
		return bad("purpose must be 1-%d bytes", MaxPurposeLength)
	case !e.LegalBasis.Valid():
		return bad("legal basis %q", e.LegalBasis)
	}
	cats, badCat := inOrder(e.Categories)
	if badCat != "" {
		return bad("category %q", badCat)
	}
	if e.ID == "" {
		e.ID = NewID()
	}
	e.Categories = cats
	e.At = e.At.UTC().Truncate(time.Microsecond)
	return e, nil
}

// NewID is a random entry id: 26 base32 characters.
func NewID() string { return strings.ToLower(rand.Text()) }

// LogQuery selects a page of a citizen's access log.
type LogQuery struct {
	First int    // see Size
	After string // the cursor of the last entry of the page before
	// Categories keeps the entries touching any of them; empty: all.
	Categories []Category
	// ActorKinds keeps the entries by any of them; empty: all.
	ActorKinds []ActorKind
	// From and To keep the entries at From or later and before To; zero:
	// unbounded.
	From, To time.Time
}

// A page holds DefaultPageSize entries unless the query asks for another
// number, and never more than MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Size is how many entries the page holds at most.
func (q LogQuery) Size() int { return sp.PageSize(q.First, DefaultPageSize, MaxPageSize) }

// Matches reports whether e passes q's filters (not its cursor).
func (q LogQuery) Matches(e Entry) bool {
	if len(q.Categories) > 0 && !slices.ContainsFunc(e.Categories, func(c Category) bool { return slices.Contains(q.Categories, c) }) {
		return false
	}
	if len(q.ActorKinds) > 0 && !slices.Contains(q.ActorKinds, e.Actor.Kind) {
		return false
	}
	return (q.From.IsZero() || !e.At.Before(q.From)) && (q.To.IsZero() || e.At.Before(q.To))
}

// LogPage is a page of a citizen's access log, newest first.
type LogPage struct {
	Entries []Entry
	Next    string // the cursor of the next page; "" on the last
	Total   int    // the entries the filters keep, on every page
}

// Reader reads a citizen's own access log.
type Reader interface {
	// List pages through the subject's entries, newest first (by At, then
	// ID descending). A cursor not made by Cursor is sp.ErrBadCursor.
	List(ctx context.Context, subject sp.NIK, q LogQuery) (LogPage, error)
	// CountByAgency counts the subject's entries at or after since, per
	// agency (satupintu's own, agency "", included).
	CountByAgency(ctx context.Context, subject sp.NIK, since time.Time) (map[sp.Agency]int, error)
}

// Retainer keeps the log within its retention: the log is kept in whole
// months (PostgreSQL: one partition each), created ahead and dropped whole.
type Retainer interface {
	// Prepare makes the months from from to until ready to take entries.
	Prepare(ctx context.Context, from, until time.Time) error
	// DropBefore drops every month that ends at or before before (UTC) and
	// reports how many entries went (PostgreSQL: -1, not counted).
	DropBefore(ctx context.Context, before time.Time) (int, error)
}

// Cursor is where e sorts: base64url("<unix microseconds>:<id>").
func Cursor(e Entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(e.At.UnixMicro(), 10) + ":" + e.ID))
}

// ParseCursor reads a cursor made by Cursor; "" is the start (ok false).
func ParseCursor(s string) (at time.Time, id string, ok bool, err error) {
	if s == "" {
		return time.Time{}, "", false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	us, id, cut := strings.Cut(string(b), ":")
	if err == nil && cut && id != "" {
		if n, err := strconv.ParseInt(us, 10, 64); err == nil {
			return time.UnixMicro(n).UTC(), id, true, nil
		}
	}
	return time.Time{}, "", false, sp.ErrBadCursor
}

// Before reports whether e sorts after the position (at, id) in a
// newest-first listing: older, or as old with a smaller id.
func Before(e Entry, at time.Time, id string) bool {
	return e.At.Before(at) || e.At.Equal(at) && e.ID < id
}

// MonthStart is the first instant of t's month in UTC: the log's months
// are UTC months.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
