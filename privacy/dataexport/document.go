package dataexport

import (
	"context"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/readmodel"
)

// Document is everything satupintu holds about one citizen: the JWS
// payload. Its registered claims say who issued it (iss, satupintu's
// public URL), when (iat) and which export it is (jti). Texts satupintu
// wrote are in both languages.
type Document struct {
	jwt.RegisteredClaims
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generatedAt"`
	Subject     Subject   `json:"subject"`
	// Records are the agencies' records as satupintu last fetched them
	// (its cache); none is read from an agency for the export.
	Records   Records        `json:"records"`
	Cases     []Case         `json:"cases"`
	Inbox     []Notification `json:"inbox"`
	Devices   []Device       `json:"devices"`
	Consents  []Consent      `json:"consents"`
	Shares    []any          `json:"shares"`
	AccessLog []AccessEntry  `json:"accessLog"`
	// Kept is what satupintu must keep by law and for how long: what an
	// erasure (deleteMyData) leaves.
	Kept []sp.Text `json:"keptByLaw"`
	// Retention are the periods in force.
	Retention map[string]string `json:"retention"`
	Notes     []sp.Text         `json:"notes"`
}

// Subject is whom the document is about.
type Subject struct {
	NIK sp.NIK `json:"nik"`
}

// Records are the agencies' records of the citizen held in satupintu's
// cache; null: satupintu holds no copy.
type Records struct {
	CivilRegistry *readmodel.Citizen        `json:"civilRegistry"`
	FamilyCard    *readmodel.Family         `json:"familyCard"`
	Insurance     *readmodel.Membership     `json:"insurance"`
	Immunizations []readmodel.Immunization  `json:"immunizations"`
	Education     []readmodel.StudentRecord `json:"education"`
	Police        *readmodel.PoliceRecord   `json:"police"`
	Social        *readmodel.Welfare        `json:"social"`
}

// Case is a case as the citizen submitted it, with its whole history.
type Case struct {
	ID        string            `json:"id"`
	Service   string            `json:"service"`
	Agency    sp.Agency         `json:"agency"`
	Status    cases.Status      `json:"status"`
	AgencyRef string            `json:"agencyRef,omitempty"`
	Fields    map[string]string `json:"fields"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
	History   []HistoryEntry    `json:"history"`
}

// HistoryEntry is one change of a case.
type HistoryEntry struct {
	At      time.Time    `json:"at"`
	Status  cases.Status `json:"status"`
	Source  cases.Source `json:"source"`
	Message string       `json:"message,omitempty"`
}

// Notification is one entry of the inbox.
type Notification struct {
	ID        string             `json:"id"`
	Kind      notifications.Kind `json:"kind,omitempty"`
	CaseID    string             `json:"caseId,omitempty"`
	Status    string             `json:"status,omitempty"`
	Title     sp.Text            `json:"title"`
	Body      sp.Text            `json:"body"`
	DeepLink  string             `json:"deepLink"`
	CreatedAt time.Time          `json:"createdAt"`
	ReadAt    *time.Time         `json:"readAt"`
}

// Device is a registered app installation; its push token is masked.
type Device struct {
	Token        string                 `json:"token"`
	Platform     notifications.Platform `json:"platform"`
	Locale       sp.Lang                `json:"locale"`
	AppVersion   string                 `json:"appVersion"`
	RegisteredAt time.Time              `json:"registeredAt"`
	LastSeen     time.Time              `json:"lastSeen"`
}

// Consent is a consent given.
type Consent struct {
	ID          string             `json:"id"`
	Recipient   string             `json:"recipient"`
	Purpose     string             `json:"purpose"`
	Categories  []privacy.Category `json:"categories"`
	GrantedAt   time.Time          `json:"grantedAt"`
	ExpiresAt   *time.Time         `json:"expiresAt"`
	WithdrawnAt *time.Time         `json:"withdrawnAt"`
}

// AccessEntry is one entry of the access log, as the citizen reads it:
// an actor by kind and name, never by NIK.
type AccessEntry struct {
	ID         string             `json:"id"`
	At         time.Time          `json:"at"`
	ActorKind  privacy.ActorKind  `json:"actorKind"`
	Actor      sp.Text            `json:"actor"`
	Agency     sp.Agency          `json:"agency,omitempty"`
	Categories []privacy.Category `json:"categories"`
	Purpose    string             `json:"purpose"`
	PurposeFor sp.Text            `json:"purposeLabel"`
	LegalBasis privacy.LegalBasis `json:"legalBasis"`
	CaseID     string             `json:"caseId,omitempty"`
	ShareID    string             `json:"shareId,omitempty"`
}

// pageSize is how many items each page of a listing brings.
const pageSize = 100

// gather builds the document of export e at now.
func (x *Exporter) gather(ctx context.Context, e privacy.Export, now time.Time) (*Document, error) {
	nik := e.Subject
	d := &Document{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: x.Issuer, IssuedAt: jwt.NewNumericDate(now), ID: e.ID},
		Format:           Format, GeneratedAt: now.UTC(), Subject: Subject{NIK: nik},
		Cases: []Case{}, Inbox: []Notification{}, Devices: []Device{}, Consents: []Consent{}, Shares: []any{}, AccessLog: []AccessEntry{},
		Kept: x.Retention.Kept(),
		Retention: map[string]string{"accessLog": x.Retention.AccessLog.String(), "inbox": x.Retention.Inbox.String(),
			"closedCases": x.Retention.ClosedCases.String()},
		Notes: []sp.Text{
			{ID: "records: data instansi sebagaimana terakhir diambil satupintu (dari cache-nya); null bila satupintu tidak menyimpan salinannya. Untuk data terkini, lihat instansinya.",
				EN: "records: the agencies' data as satupintu last fetched it (from its cache); null where satupintu holds no copy. For the current data, ask the agency."},
			{ID: "devices: token push disamarkan.", EN: "devices: push tokens are masked."},
		},
	}
	d.Records = x.records(ctx, nik)
	for after := ""; ; {
		page, next, err := x.Cases.List(ctx, nik, cases.ListQuery{First: pageSize, After: after})
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		for _, c := range page {
			d.Cases = append(d.Cases, caseOf(c))
		}
		if after = next; after == "" {
			break
		}
	}
	for after := ""; ; {
		page, err := x.Inbox.List(ctx, nik, notifications.ListQuery{First: notifications.MaxPageSize, After: after})
		if err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		for _, n := range page.Items {
			d.Inbox = append(d.Inbox, notificationOf(n))
		}
		if after = page.Next; after == "" {
			break
		}
	}
	devs, err := x.Devices.OfCitizen(ctx, nik, now.Add(-notifications.DefaultDeviceMaxAge))
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	for _, dv := range devs {
		d.Devices = append(d.Devices, Device{Token: mask(dv.Token), Platform: dv.Platform, Locale: dv.Locale,
			AppVersion: dv.AppVersion, RegisteredAt: dv.RegisteredAt, LastSeen: dv.LastSeen})
	}
	consents, err := x.Consents.List(ctx, nik)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	for _, c := range consents {
		d.Consents = append(d.Consents, Consent{ID: c.ID, Recipient: c.Recipient, Purpose: c.Purpose, Categories: c.Categories,
			GrantedAt: c.GrantedAt, ExpiresAt: orNil(c.ExpiresAt), WithdrawnAt: orNil(c.WithdrawnAt)})
	}
	if x.Shares != nil {
		shares, err := x.Shares(ctx, nik)
		if err != nil {
			return nil, fmt.Errorf("shares: %w", err)
		}
		d.Shares = append(d.Shares, shares...)
	}
	for after := ""; ; {
		page, err := x.Reader.List(ctx, nik, privacy.LogQuery{First: privacy.MaxPageSize, After: after})
		if err != nil {
			return nil, fmt.Errorf("access log: %w", err)
		}
		for _, en := range page.Entries {
			d.AccessLog = append(d.AccessLog, AccessEntry{ID: en.ID, At: en.At, ActorKind: en.Actor.Kind, Actor: privacy.ActorName(en.Actor),
				Agency: en.Agency, Categories: en.Categories, Purpose: en.Purpose, PurposeFor: privacy.PurposeLabel(en.Purpose),
				LegalBasis: en.LegalBasis, CaseID: en.CaseID, ShareID: en.ShareID})
		}
		if after = page.Next; after == "" {
			break
		}
	}
	return d, nil
}

// records reads the citizen's records from the cache only: what is not
// cached (or not readable) is null.
func (x *Exporter) records(ctx context.Context, nik sp.NIK) Records {
	ctx = x.CacheOnly(ctx)
	var r Records
	p := x.Records
	if p.Registry != nil {
		if c, err := p.Registry.Citizen(ctx, nik); err == nil && c != nil {
			r.CivilRegistry = c
			if f, err := p.Registry.Family(ctx, nik, c.KK); err == nil {
				r.FamilyCard = f
			}
		}
	}
	if p.Insurance != nil {
		r.Insurance, _ = p.Insurance.Membership(ctx, nik)
	}
	if p.Health != nil {
		r.Immunizations, _ = p.Health.Immunizations(ctx, nik)
	}
	if p.Schools != nil {
		r.Education, _ = p.Schools.Students(ctx, nik)
	}
	if p.Police != nil {
		r.Police, _ = p.Police.Record(ctx, nik)
	}
	if p.Social != nil {
		r.Social, _ = p.Social.Welfare(ctx, nik)
	}
	return r
}

func caseOf(c *cases.Case) Case {
	out := Case{ID: c.ID, Service: c.ServiceID, Agency: c.Agency, Status: c.Status, AgencyRef: c.AgencyRef,
		Fields: c.Fields, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, History: []HistoryEntry{}}
	for _, h := range c.History {
		out.History = append(out.History, HistoryEntry{At: h.At, Status: h.Status, Source: h.Source, Message: h.Message})
	}
	return out
}

func notificationOf(n notifications.Notification) Notification {
	return Notification{ID: n.ID, Kind: n.Kind, CaseID: n.CaseID, Status: n.Status, Title: n.Title, Body: n.Body,
		DeepLink: n.DeepLink, CreatedAt: n.CreatedAt, ReadAt: orNil(n.ReadAt)}
}

func orNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// mask keeps a token's first 4 and last 4 characters: enough for the
// citizen to tell their devices apart, not to push to them.
func mask(token string) string {
	if len(token) <= 12 {
		return "…"
	}
	return token[:4] + "…" + token[len(token)-4:]
}
