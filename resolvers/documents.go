package resolvers

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/graph/model"
	"github.com/satupintu/satupintu/readmodel"
)

// wallet is the documents wallet, or UNAVAILABLE when none is wired.
func (r *Resolver) wallet() (*documents.Service, error) {
	if r.Wallet == nil {
		return nil, sp.Errorf(sp.CodeUnavailable, "documents are not available on this server")
	}
	return r.Wallet, nil
}

// readDocuments lists the citizen's documents from the response's loader:
// an agency that fails is reported once (its documents are left out), and
// the status lists are brought up to date with what the agencies said.
func (r *Resolver) readDocuments(ctx context.Context, l *readmodel.Loader) ([]documents.Document, error) {
	w, err := r.wallet()
	if err != nil {
		return nil, err
	}
	rec, failures := documents.Read(ctx, l)
	for _, err := range failures {
		if err := l.Report(err); err != nil {
			graphql.AddError(ctx, err)
		}
	}
	docs := documents.Derive(l.NIK(), rec, w.Today())
	if err := w.Sync(ctx, docs); err != nil {
		// The documents are right; only the published statuses lag until
		// the next read.
		r.Logger.ErrorContext(ctx, "document statuses not recorded", "error", err)
	}
	if docs == nil {
		docs = []documents.Document{}
	}
	return docs, nil
}

// documentID is a document's id: by the citizen and a reference of its
// type and number (a KK is on several citizens' lists).
func (r *Resolver) documentID(d documents.Document) string {
	return r.ids().OfCitizen("Document", string(d.Holder), r.ids().Ref("document", d.Key()))
}

// maskNumber hides the middle of a document number: a NIK or KK as
// everywhere (3174********0001), others keeping a quarter at each end, at
// most four characters.
func maskNumber(d documents.Document) string {
	switch d.Type {
	case documents.TypeIKD:
		return sp.NIK(d.Number).Masked()
	case documents.TypeKK:
		return sp.KK(d.Number).Masked()
	}
	n := len(d.Number)
	keep := min(4, n/4)
	return d.Number[:keep] + strings.Repeat("*", n-2*keep) + d.Number[n-keep:]
}

// shareOf is a stored share as the schema shows it.
func shareOf(s documents.Share) *model.DocumentShare { return &model.DocumentShare{Share: s} }

// createdShare is a new share with its one-time secrets.
func createdShare(c documents.Created) *model.DocumentShare {
	out := shareOf(c.Share)
	png := base64.StdEncoding.EncodeToString(c.QRPNG)
	out.Code, out.Link, out.QRPng = &c.Code, &c.Link, &png
	if c.Offline {
		out.OfflinePresentation = &c.Presentation
	}
	return out
}
