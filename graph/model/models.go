// Package model holds the GraphQL types that have no domain type of their
// own: containers whose fields are resolved from the request's loader.
package model

import (
	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/readmodel"
)

// Home is the first screen; its fields are resolved from the loader that
// the home resolver filled in parallel.
type Home struct{}

// Health groups the BPJS and SATUSEHAT fields, each failing on its own.
type Health struct{}

// Education is the citizen's and their children's school records.
type Education struct {
	Students []readmodel.StudentRecord
}

// Alert is a home-screen alert in the request's language: built once per
// alert, so its fields need no resolvers of their own.
type Alert struct {
	ID        string
	Kind      readmodel.AlertKind
	Severity  readmodel.Severity
	Agency    sp.Agency
	Title     string
	Message   string
	DueDate   sp.Date
	ServiceID *string
	DeepLink  string
}

// NewAlert renders a to lang.
func NewAlert(a readmodel.Alert, lang sp.Lang) Alert {
	out := Alert{ID: a.ID, Kind: a.Kind, Severity: a.Severity, Agency: a.Agency, Title: a.Title.In(lang),
		Message: a.Message.In(lang), DueDate: a.DueDate, DeepLink: a.DeepLink}
	if a.ServiceID != "" {
		id := a.ServiceID
		out.ServiceID = &id
	}
	return out
}

// Node is whatever node(id:) returns: the model of any type that
// implements the GraphQL Node interface (the executor switches on it).
type Node any

// The wrappers below give an id to a domain value whose id depends on
// what holds it (its case or service): the parent's resolver sets ID.

// ServiceField is one field of a service's form.
type ServiceField struct {
	*catalog.Field
	ID        string
	ServiceID string // the catalog code of the service it belongs to
}

// FieldOption is one choice of an ENUM field.
type FieldOption struct {
	catalog.Option
	ID string
}

// OfflineInfo says where and how to get an OFFLINE service.
type OfflineInfo struct {
	*catalog.Offline
	ID string
}

// CaseHistoryEntry is one change of a case.
type CaseHistoryEntry struct {
	cases.Entry
	ID string
}

// CaseDelivery is how forwarding a case is going.
type CaseDelivery struct {
	cases.Delivery
	ID string
}

// Subject is another person's records as the signed-in citizen may see
// them (Query.subject): the person, the loader of their records (its reads
// noted for the access log), and the resolvers' own state (who asks, the
// policy's answers so far).
type Subject struct {
	NIK     sp.NIK
	Loader  *readmodel.Loader
	Private any
}
