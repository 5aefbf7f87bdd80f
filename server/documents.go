package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents"
)

// CredentialIssuer publishes what verifiers check credentials against.
type CredentialIssuer interface {
	IssuerMetadata() ([]byte, error)
	StatusList(ctx context.Context, list int) (string, error)
	StatusTTL() time.Duration
}

// ShareRedeemer answers registered verifiers.
type ShareRedeemer interface {
	Verifier(id string) (documents.Verifier, bool)
	Redeem(ctx context.Context, v documents.Verifier, code string, req documents.RedeemRequest) (documents.Redeemed, error)
}

// Documents is what the documents routes need; nil serves none.
type Documents struct {
	Issuer   CredentialIssuer
	Redeemer ShareRedeemer
	// Signatures checks verifiers' signatures (the agency webhooks'
	// scheme) and refuses replays.
	Signatures *signature.Verifier
}

// VerifierHeader names the verifier on a verify request; the signature is
// checked with that verifier's secrets.
const VerifierHeader = "Satupintu-Verifier"

// maxVerifyBody bounds a verify request.
const maxVerifyBody = 4 << 10

// addDocumentRoutes serves the issuer's metadata and status lists (public,
// for any verifier), the verify API (registered verifiers) and the page a
// share link opens.
func addDocumentRoutes(mux *http.ServeMux, d *Documents, log *slog.Logger) {
	mux.Handle("GET /.well-known/jwt-vc-issuer", handleIssuerMetadata(d.Issuer, log))
	mux.Handle("GET /credentials/status/{list}", handleStatusList(d.Issuer, log))
	mux.Handle("POST /verify/v1/shares/{code...}", handleVerify(d, log))
	mux.Handle("GET /s/{code}", handleShareLink())
}

func handleIssuerMetadata(is CredentialIssuer, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := is.IssuerMetadata()
		if err != nil {
			log.ErrorContext(r.Context(), "issuer metadata", "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(b)
	})
}

// handleStatusList serves a status list token, signed as it stands now;
// verifiers may keep it for its ttl, and caches for no longer.
func handleStatusList(is CredentialIssuer, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := strconv.Atoi(r.PathValue("list"))
		if err != nil || strconv.Itoa(list) != r.PathValue("list") {
			http.NotFound(w, r)
			return
		}
		tok, err := is.StatusList(r.Context(), list)
		switch {
		case errors.Is(err, sp.ErrNotFound):
			http.NotFound(w, r)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "status list", "list", list, "error", err)
			w.Header().Set("Retry-After", "5")
			http.Error(w, "the status list cannot be read now; try again shortly", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(is.StatusTTL()/time.Second)))
		_, _ = io.WriteString(w, tok)
	})
}

// handleShareLink is what a share link opens in a browser: how to verify
// it, and nothing of the share (not even whether the code exists).
func handleShareLink() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Robots-Tag", "noindex")
		_, _ = io.WriteString(w, shareLinkPage)
	})
}

const shareLinkPage = `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>satupintu: dokumen dibagikan</title></head><body>
<h1>Dokumen dibagikan melalui satupintu</h1>
<p>Tautan ini adalah berbagi dokumen sekali pakai, berlaku 3 menit. Hanya verifikator terdaftar
(bank, notaris, instansi) yang dapat membukanya, dengan aplikasi verifikator dan kredensialnya.</p>
<h1 lang="en">A document shared through satupintu</h1>
<p lang="en">This link is a one-time document share, valid for 3 minutes. Only a registered verifier
(a bank, a notary, an agency) can open it, with its verifier app and credentials.</p>
</body></html>
`

// verifyRefusal is one of the verify API's error answers (api/verifier.yaml).
type verifyRefusal struct {
	code    string
	status  int
	message string
}

var (
	vrefUnknownVerifier = verifyRefusal{"VERIFIER_UNKNOWN", http.StatusUnauthorized, "name your registered verifier id in " + VerifierHeader}
	vrefTooLarge        = verifyRefusal{"TOO_LARGE", http.StatusRequestEntityTooLarge, "a verify request is at most 4 KiB"}
	vrefMalformed       = verifyRefusal{"MALFORMED", http.StatusBadRequest, `the body must be {"code": "...", "purpose": "...", "claims": [...]}`}
	vrefCodeMismatch    = verifyRefusal{"CODE_MISMATCH", http.StatusBadRequest, "the body's code is not the code of the URL"}
	vrefPurpose         = verifyRefusal{"PURPOSE_NOT_REGISTERED", http.StatusForbidden, "your registration does not cover this purpose"}
	vrefClaims          = verifyRefusal{"CLAIMS_NOT_REGISTERED", http.StatusForbidden, "your registration does not cover these claims"}
	vrefUnknownShare    = verifyRefusal{"UNKNOWN_SHARE", http.StatusNotFound, "no share has this code"}
	vrefPurposeMismatch = verifyRefusal{"PURPOSE_MISMATCH", http.StatusConflict, "the citizen shared this document for another purpose"}
	vrefNotShared       = verifyRefusal{"CLAIMS_NOT_SHARED", http.StatusConflict, "the citizen shared none of the claims asked for"}
	vrefUsed            = verifyRefusal{"SHARE_USED", http.StatusGone, "this share was verified already: a share answers once"}
	vrefExpired         = verifyRefusal{"SHARE_EXPIRED", http.StatusGone, "this share has expired: ask the citizen for a new one"}
	vrefLater           = verifyRefusal{"TRY_AGAIN", http.StatusServiceUnavailable, "the verification could not be done now; send it again, signed anew"}
)

// verifyRefusals are every answer above, for the test that holds them to
// the contract.
var verifyRefusals = []verifyRefusal{vrefUnknownVerifier, vrefTooLarge, vrefMalformed, vrefCodeMismatch, vrefPurpose, vrefClaims,
	vrefUnknownShare, vrefPurposeMismatch, vrefNotShared, vrefUsed, vrefExpired, vrefLater}

var redeemRefusals = []struct {
	err error
	ref verifyRefusal
}{
	{documents.ErrPurposeNotRegistered, vrefPurpose},
	{documents.ErrClaimsNotRegistered, vrefClaims},
	{documents.ErrUnknownShare, vrefUnknownShare},
	{documents.ErrPurposeMismatch, vrefPurposeMismatch},
	{documents.ErrClaimsNotShared, vrefNotShared},
	{documents.ErrShareUsed, vrefUsed},
	{documents.ErrShareExpired, vrefExpired},
}

func verifyRefuse(w http.ResponseWriter, ref verifyRefusal, message string) {
	if message == "" {
		message = ref.message
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, ref.status, map[string]agencyError{"error": {Code: ref.code, Message: message}})
}

// VerifyRequest is the body of POST /verify/v1/shares/{code}.
type VerifyRequest struct {
	Code    string   `json:"code"`
	Purpose string   `json:"purpose"`
	Claims  []string `json:"claims,omitempty"`
}

// VerifyResponse is its answer.
type VerifyResponse struct {
	ShareID      string    `json:"shareId"`
	DocumentType string    `json:"documentType"`
	Purpose      string    `json:"purpose"`
	Claims       []string  `json:"claims"`
	Presentation string    `json:"presentation"`
	VerifiedAt   time.Time `json:"verifiedAt"`
}

// handleVerify is POST /verify/v1/shares/{code} (api/verifier.yaml): a
// registered verifier, its request signed like the agency webhooks,
// redeems a share once.
func handleVerify(d *Documents, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, ok := d.Redeemer.Verifier(r.Header.Get(VerifierHeader))
		if !ok {
			verifyRefuse(w, vrefUnknownVerifier, "")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxVerifyBody))
		if err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				verifyRefuse(w, vrefTooLarge, "")
			} else {
				verifyRefuse(w, vrefMalformed, "the body did not arrive whole")
			}
			return
		}
		if err := d.Signatures.VerifyContext(ctx, r.Header.Get(signature.Header), body, v.SecretBytes()); err != nil {
			ref, known := signatureRefusal(err)
			if !known {
				log.ErrorContext(ctx, "verifier signature check failed", "verifier", v.ID, "error", err)
				verifyRefuse(w, vrefLater, "")
				return
			}
			log.WarnContext(ctx, "verify request refused", "verifier", v.ID, "reason", ref.code)
			w.Header().Set("Cache-Control", "no-store")
			refuse(w, ref, err.Error(), 0)
			return
		}
		var req VerifyRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Purpose == "" || req.Code == "" {
			verifyRefuse(w, vrefMalformed, "")
			return
		}
		code := documents.NormalizeCode(r.PathValue("code"))
		if documents.NormalizeCode(req.Code) != code {
			verifyRefuse(w, vrefCodeMismatch, "")
			return
		}
		out, err := d.Redeemer.Redeem(ctx, v, code, documents.RedeemRequest{Purpose: req.Purpose, Claims: req.Claims})
		if err != nil {
			for _, m := range redeemRefusals {
				if errors.Is(err, m.err) {
					log.InfoContext(ctx, "verify request refused", "verifier", v.ID, "reason", m.ref.code)
					verifyRefuse(w, m.ref, "")
					return
				}
			}
			log.ErrorContext(ctx, "redeeming a share failed", "verifier", v.ID, "error", err)
			verifyRefuse(w, vrefLater, "")
			return
		}
		log.InfoContext(ctx, "share verified", "verifier", v.ID, "share", out.ShareID, "purpose", out.Purpose)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, VerifyResponse{ShareID: out.ShareID, DocumentType: string(out.DocumentType), Purpose: out.Purpose,
			Claims: out.Claims, Presentation: out.Presentation, VerifiedAt: out.VerifiedAt.In(sp.Jakarta)})
	})
}
