// Package dataexport gives a citizen everything satupintu holds about them
// (UU PDP 27/2022 art. 32): requestDataExport starts a job that gathers
// their records as satupintu last fetched them, their cases with their
// history, their inbox, devices (tokens masked), consents, share history
// and access log into one JSON document, signs it with satupintu's current
// key (signing: a JWS, ES256, checkable against /.well-known/jwks.json),
// keeps it sealed until it is downloaded once or expires, and tells the
// citizen by inbox and push that it is ready.
package dataexport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/signing"
)

// Format names the document's shape; a verifier checks it with typ.
const (
	Format = "satupintu-data-export/1"
	// JOSEType is the JWS header's typ.
	JOSEType = "satupintu-data-export+jwt"
)

// Cases lists a citizen's cases (cases.Service).
type Cases interface {
	List(ctx context.Context, citizen sp.NIK, q cases.ListQuery) ([]*cases.Case, string, error)
}

// Shares lists a citizen's document share history, as JSON values; the
// documents wallet provides it. Nil: none yet.
type Shares func(ctx context.Context, citizen sp.NIK) ([]any, error)

// Announcer tells the citizen (notifications.Notifier).
type Announcer interface {
	Announce(ctx context.Context, n notifications.Notification) error
}

// Exporter requests exports and works their jobs.
type Exporter struct {
	Exports  privacy.Exports
	Jobs     queue.Enqueuer
	Cases    Cases
	Inbox    notifications.Inbox
	Devices  notifications.Devices
	Consents privacy.Consents
	Reader   privacy.Reader
	Log      privacy.Log
	// Records reads a citizen's agency records; with CacheOnly they come
	// from satupintu's cache, never from the agencies.
	Records   readmodel.Agencies
	CacheOnly func(context.Context) context.Context
	Shares    Shares
	Keys      *signing.Keyring
	// Issuer is satupintu's public URL: the document's iss, and where its
	// JWKS is (<Issuer>/.well-known/jwks.json).
	Issuer    string
	Notify    Announcer
	Retention privacy.Retention
	Now       func() time.Time
	Logger    *slog.Logger
}

// Validate reports what the exporter lacks.
func (x *Exporter) Validate() error {
	if x.Exports == nil || x.Jobs == nil || x.Cases == nil || x.Inbox == nil || x.Devices == nil || x.Consents == nil ||
		x.Reader == nil || x.Log == nil || x.CacheOnly == nil || x.Keys == nil || x.Notify == nil || x.Issuer == "" {
		return errors.New("dataexport: Exports, Jobs, Cases, Inbox, Devices, Consents, Reader, Log, CacheOnly, Keys, Notify and Issuer are required")
	}
	return nil
}

// Request starts an export of subject's data: one at a time (another
// still preparing within privacy.ExportBusyFor is ALREADY_IN_PROGRESS).
func (x *Exporter) Request(ctx context.Context, subject sp.NIK) (privacy.Export, []privacy.FieldError, error) {
	now := x.now()
	list, err := x.Exports.List(ctx, subject)
	if err != nil {
		return privacy.Export{}, nil, err
	}
	for _, e := range list {
		if e.Status(now) == privacy.ExportPreparing && now.Sub(e.RequestedAt) < privacy.ExportBusyFor {
			return privacy.Export{}, []privacy.FieldError{{Code: privacy.CodeAlreadyInProgress, Message: sp.Text{
				ID: "Salinan data Anda sedang disiapkan; Anda akan diberi tahu bila sudah siap.",
				EN: "Your data export is being prepared; you will be told when it is ready."}}}, nil
		}
	}
	e := privacy.Export{ID: privacy.NewID(), Subject: subject, RequestedAt: now}
	if err := x.Exports.Create(ctx, e); err != nil {
		return privacy.Export{}, nil, err
	}
	if err := x.Jobs.Enqueue(ctx, queue.NewJob{Kind: queue.Export, Key: e.ID, EnqueuedAt: now, Unique: true}); err != nil {
		return privacy.Export{}, nil, fmt.Errorf("queueing the export: %w", err)
	}
	e.RequestedAt = privacy.Micro(now)
	return e, nil, nil
}

// Handle works one export job: gather, sign, store, tell. Run again, it
// finishes what a run before it left (a ready export is only announced).
func (x *Exporter) Handle(ctx context.Context, j queue.Job) queue.Result {
	e, err := x.Exports.Find(ctx, j.Key)
	if errors.Is(err, sp.ErrNotFound) {
		return queue.Done() // erased meanwhile (deleteMyData)
	}
	if err != nil {
		return x.retry(j, "reading the export", err)
	}
	now := x.now()
	if e.ReadyAt.IsZero() {
		// The export's own entry first: the document then shows it.
		if err := x.Log.Record(ctx, privacy.Entry{ID: "export:" + e.ID, At: e.RequestedAt, Subject: e.Subject,
			Actor: privacy.Actor{Kind: privacy.ActorCitizen, NIK: e.Subject}, Categories: privacy.AgencyCategories(),
			Purpose: privacy.PurposeExport, LegalBasis: privacy.BasisLegalObligation}); err != nil {
			return x.retry(j, "logging the export", err)
		}
		doc, err := x.gather(ctx, e, now)
		if err != nil {
			return x.retry(j, "gathering the data", err)
		}
		signed, err := x.Keys.Sign(JOSEType, doc)
		if err != nil {
			return x.retry(j, "signing", err)
		}
		if err := x.Exports.Complete(ctx, e.ID, []byte(signed), privacy.NewToken(), now, now.Add(privacy.ExportValidFor)); err != nil {
			return x.retry(j, "storing the document", err)
		}
		x.log().InfoContext(ctx, "data export ready", "export", e.ID, "bytes", len(signed))
	}
	if err := x.Notify.Announce(ctx, notifications.Notification{
		ID: "export-" + e.ID, Citizen: e.Subject, Kind: notifications.KindDataExport,
		Title: sp.Text{ID: "Salinan data Anda siap", EN: "Your data export is ready"},
		Body: sp.Text{
			ID: "Unduh dalam 24 jam; tautannya hanya dapat dipakai sekali.",
			EN: "Download it within 24 hours; the link works once."},
		DeepLink:  "satupintu://privacy/exports/" + e.ID,
		CreatedAt: now,
	}); err != nil {
		return x.retry(j, "telling the citizen", err)
	}
	return queue.Done()
}

// retry runs the job again later; an export is local work, so it keeps
// trying (a store that is down comes back).
func (x *Exporter) retry(j queue.Job, what string, err error) queue.Result {
	x.log().Error("data export failed; will retry", "export", j.Key, "step", what, "attempt", j.Attempt, "error", err)
	return queue.RetryAt(x.now().Add(backoff.Wait(j.Attempt, 5*time.Second, 10*time.Minute, 0)), what+": "+err.Error())
}

func (x *Exporter) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

func (x *Exporter) log() *slog.Logger {
	if x.Logger != nil {
		return x.Logger
	}
	return slog.New(slog.DiscardHandler)
}

var _ jwt.Claims = (*Document)(nil)
