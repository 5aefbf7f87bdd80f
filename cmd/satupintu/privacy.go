package main

import (
	"context"
	"fmt"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/privacy/dataexport"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/resolvers"
)

// retentionEvery is how often the retention job runs.
const retentionEvery = 24 * time.Hour

// privacyParts are the citizens' privacy (UU PDP) wired: what the
// resolvers serve, and the jobs that export and retain.
type privacyParts struct {
	resolvers resolvers.Privacy
	exporter  *dataexport.Exporter
	retention *privacy.RetentionJob
}

// privacy wires the access log, consents, exports, erasure and retention
// over the stores, the agencies' read ports and the notifications.
func (a *app) privacy(ports readmodel.Agencies, cat *catalog.Catalog) (privacyParts, error) {
	st := a.stores
	notifier := &notifications.Notifier{Inbox: st.Inbox, Devices: st.Devices, Jobs: st.Jobs, Catalog: cat,
		DeviceMaxAge: a.cfg.DeviceMaxAge, Log: a.log.With("component", "notifications")}
	x := &dataexport.Exporter{
		Exports: st.Exports, Jobs: st.Jobs, Cases: a.casework, Inbox: st.Inbox, Devices: st.Devices,
		Consents: st.Consents, Reader: st.AccessLog, Log: st.AccessLog, Shares: shareHistory(st.ShareHistory),
		Records: ports, CacheOnly: agency.CacheOnly,
		Keys: a.cfg.SigningKeys, Issuer: a.cfg.PublicURL, Notify: notifier, Retention: a.cfg.Retention,
		Logger: a.log.With("component", "privacy"),
	}
	var caches []privacy.CacheForgetter
	for _, p := range []any{ports.Registry, ports.Insurance, ports.Health, ports.Schools, ports.Police, ports.Social} {
		f, ok := p.(privacy.CacheForgetter)
		if !ok {
			return privacyParts{}, fmt.Errorf("privacy: the agency port %T cannot forget a citizen's cached reads", p)
		}
		caches = append(caches, f)
	}
	eraser := &privacy.Eraser{
		Devices: eraserOf(st.Devices, "devices"), Inbox: eraserOf(st.Inbox, "inbox"), Exports: st.Exports,
		Shares: eraserOf(st.Shares, "shares"), Caches: caches, Log: st.AccessLog, Retention: a.cfg.Retention,
	}
	ret := &privacy.RetentionJob{Settings: a.cfg.Retention, Log: st.AccessLog, Consents: st.Consents, Exports: st.Exports,
		Every: retentionEvery, Logger: a.log.With("component", "retention")}
	if p, ok := st.Inbox.(privacy.InboxPurger); ok {
		ret.Inbox = p
	} else {
		a.log.Warn("retention: this store engine does not purge old notifications", "engine", st.Engine)
	}
	if p, ok := st.Cases.(privacy.ClosedCasePurger); ok {
		ret.Cases = p
	} else {
		a.log.Warn("retention: this store engine does not purge closed cases", "engine", st.Engine)
	}
	if err := x.Validate(); err != nil {
		return privacyParts{}, err
	}
	if err := ret.Validate(); err != nil {
		return privacyParts{}, err
	}
	out := privacyParts{exporter: x, retention: ret, resolvers: resolvers.Privacy{
		Reader: st.AccessLog, Consents: st.Consents, Exports: st.Exports, Exporter: x, Eraser: eraser, PublicURL: a.cfg.PublicURL,
	}}
	if a.cfg.AccessLog {
		out.resolvers.Log = st.AccessLog
	}
	return out, nil
}

// workers are the privacy jobs' workers; the retention job is enqueued
// once per instance (unique: one runs).
func (p privacyParts) workers(ctx context.Context, jobs queue.Enqueuer) ([]queue.Worker, error) {
	if err := jobs.Enqueue(ctx, p.retention.Job()); err != nil {
		return nil, fmt.Errorf("scheduling the retention job: %w", err)
	}
	return []queue.Worker{
		{Kind: queue.Export, Handle: p.exporter.Handle, Concurrency: 2},
		{Kind: queue.Retention, Handle: p.retention.Handle, Concurrency: 1},
	}, nil
}

// eraserOf is a store's erasure of a citizen, or one that refuses when the
// engine has none (deleteMyData then answers UNAVAILABLE rather than
// pretend).
func eraserOf(store any, what string) privacy.CitizenEraser {
	if e, ok := store.(privacy.CitizenEraser); ok {
		return e
	}
	return noEraser(what)
}

type noEraser string

func (n noEraser) EraseCitizen(context.Context, sp.NIK) (int, error) {
	return 0, fmt.Errorf("this store engine cannot erase a citizen's %s", string(n))
}

// shareHistory is the citizen's document shares as their data export
// lists them: what was shown, to whom, when and why; never the code's
// hash nor the presentation itself.
func shareHistory(h documents.ShareHistory) dataexport.Shares {
	type share struct {
		ID           string    `json:"id"`
		Document     string    `json:"document"`
		Agency       sp.Agency `json:"agency"`
		Claims       []string  `json:"claims"`
		Purpose      string    `json:"purpose"`
		Offline      bool      `json:"offline"`
		CreatedAt    time.Time `json:"createdAt"`
		ExpiresAt    time.Time `json:"expiresAt"`
		VerifiedAt   time.Time `json:"verifiedAt,omitzero"`
		VerifierName string    `json:"verifierName,omitempty"`
	}
	return func(ctx context.Context, citizen sp.NIK) ([]any, error) {
		out := []any{}
		var after *sp.Position
		for {
			page, err := h.List(ctx, citizen, after, 100)
			if err != nil {
				return nil, err
			}
			for _, s := range page {
				out = append(out, share{ID: s.ID, Document: s.Title(sp.LangID), Agency: s.Agency, Claims: s.Claims, Purpose: s.Purpose,
					Offline: s.Offline, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, VerifiedAt: s.VerifiedAt, VerifierName: s.VerifierName})
			}
			if len(page) < 100 {
				return out, nil
			}
			p := page[len(page)-1].Position()
			after = &p
		}
	}
}
