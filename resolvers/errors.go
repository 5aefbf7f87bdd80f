package resolvers

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/graph/model"
	"github.com/satupintu/satupintu/payments"
)

// This file is the one mapping from domain errors to what GraphQL clients
// read. Resolvers return errors as they get them; every field's error goes
// through fieldError (the field middleware the Extension installs), and a mutation
// whose payload has userErrors first asks refused. The server's error
// presenter then writes an *sp.Error's code, message and agency out.

// fieldError is what a field answers for err, the same for every field:
//   - NOT_FOUND on a nullable field is null without an error: the schema
//     documents null as "there is none" (case, notification.case);
//   - a domain error (*sp.Error: an agency's failure, NOT_FOUND, a
//     refusal, bad input, a store failure the domain classified) keeps its
//     code and message; so does an error gqlgen already made client-safe;
//   - anything else is a store the domain did not classify failing (Redis
//     unreachable): UNAVAILABLE, to try again, rather than INTERNAL.
func fieldError(ctx context.Context, err error) (any, error) {
	var (
		domain *sp.Error
		gql    *gqlerror.Error
	)
	switch {
	case errors.Is(err, sp.ErrNotFound) && nullable(ctx):
		return nil, nil
	case errors.As(err, &domain), errors.As(err, &gql):
		return nil, err
	}
	return nil, &sp.Error{Code: sp.CodeUnavailable, Err: err, Message: "saved data cannot be reached right now: try again shortly"}
}

// nullable reports whether the field being resolved may be null.
func nullable(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Field.Definition != nil && !fc.Field.Definition.Type.NonNull
}

// refusals are the domain errors a mutation answers with a userError on
// the input field the citizen sent: they can act on them. Every other
// error is the field's error (fieldError).
var refusals = []struct {
	err     error
	field   string // the input field it is about; "" for the caller's
	code    string
	message sp.Text
}{
	// shareDocument (before NOT_FOUND: a missing document is its own).
	{documents.ErrNoSuchDocument, "documentId", "NOT_FOUND", sp.Text{ID: "Dokumen tidak ditemukan.", EN: "No such document."}},
	{documents.ErrNoClaims, "claims", "NO_CLAIMS", sp.Text{
		ID: "Pilih setidaknya satu data untuk dibagikan.", EN: "Choose at least one item to share."}},
	{documents.ErrUnknownClaim, "claims", "UNKNOWN_CLAIM", sp.Text{
		ID: "Dokumen ini tidak memuat data tersebut.", EN: "This document has no such item."}},
	{documents.ErrInvalidPurpose, "purpose", "INVALID_PURPOSE", sp.Text{
		ID: "Tidak ada verifikator terdaftar untuk keperluan ini.", EN: "No registered verifier verifies for this purpose."}},
	// Cases ("permohonan") are the only thing a mutation can miss today.
	{sp.ErrNotFound, "", "NOT_FOUND", sp.Text{ID: "Permohonan tidak ditemukan.", EN: "No such request."}},
	{cases.ErrNotCancelable, "", "NOT_CANCELLABLE", sp.Text{
		ID: "Permohonan ini tidak bisa dibatalkan lagi: instansi sudah memeriksanya atau sudah selesai.",
		EN: "This request can no longer be cancelled: the agency is reviewing it or it has ended.",
	}},
	// payCase.
	{payments.ErrNothingToPay, "", "NOTHING_TO_PAY", sp.Text{ID: "Tidak ada biaya yang perlu dibayar untuk permohonan ini sekarang.",
		EN: "There is no fee to pay for this request now."}},
	{payments.ErrBank, "", "INVALID_BANK", sp.Text{ID: "Pilih bank: BRI, BNI, MANDIRI atau BSI.", EN: "Pick a bank: BRI, BNI, MANDIRI or BSI."}},
	{payments.ErrUnavailable, "", "PAYMENT_UNAVAILABLE", sp.Text{ID: "Layanan pembayaran sedang tidak menjawab; coba lagi sebentar lagi.",
		EN: "The payment service is not answering; try again shortly."}},
}

// refused returns the userErrors of err on input field when err is a
// refusal, and ok false otherwise (nil included).
func refused(err error, field string) (userErrors []catalog.UserError, ok bool) {
	if err == nil {
		return nil, false
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			if r.field != "" {
				field = r.field
			}
			return []catalog.UserError{{Field: field, Code: r.code, Message: r.message}}, true
		}
	}
	return nil, false
}

// userErrorCode is code as the schema's UserErrorCode. Every code the
// domain emits is one of its values (TestUserErrorCodesInSchema); one that
// is not is sent all the same, and logged, so the client still shows the
// message (and Apollo Kotlin reads it as UNKNOWN__).
func (r *Resolver) userErrorCode(ctx context.Context, code string) model.UserErrorCode {
	c := model.UserErrorCode(code)
	if !c.IsValid() {
		r.Logger.ErrorContext(ctx, "a user error code is not in the schema's UserErrorCode enum", "code", code)
	}
	return c
}
