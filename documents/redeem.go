package documents

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents/sdjwt"
	"github.com/satupintu/satupintu/privacy"
)

// Why a verifier's redemption is refused (api/verifier.yaml names each
// with its code). Those about the registration come first, so a verifier
// outside its registration learns nothing of the share.
var (
	ErrPurposeNotRegistered = errors.New("documents: the verifier is not registered for this purpose")
	ErrClaimsNotRegistered  = errors.New("documents: the verifier is not registered for these claims")
	ErrUnknownShare         = errors.New("documents: no share with this code")
	ErrPurposeMismatch      = errors.New("documents: the citizen shared the document for another purpose")
	ErrClaimsNotShared      = errors.New("documents: none of the claims asked for was shared")
	ErrShareExpired         = errors.New("documents: the share has expired")
)

// RedeemRequest is what the verifier asks for: its purpose, and the
// claims it wants (all that were shared when empty). It gets the claims
// both shared and asked for: nothing else leaves.
type RedeemRequest struct {
	Purpose string   `json:"purpose"`
	Claims  []string `json:"claims,omitempty"`
}

// Redeemed is a verification's answer.
type Redeemed struct {
	ShareID      string
	DocumentType Type
	Purpose      string
	Claims       []string // disclosed
	Presentation string   // the SD-JWT with only those disclosures
	VerifiedAt   time.Time
	ExpiresAt    time.Time
}

// Redeem answers verifier v's request for the share of code, once: the
// presentation of the claims both shared and asked for. The verification
// lands in the citizen's access log, consents and share history before
// the answer leaves; if it cannot be recorded, the share is released and
// the verifier told to try again.
func (s *Service) Redeem(ctx context.Context, v Verifier, code string, req RedeemRequest) (Redeemed, error) {
	if !slices.Contains(v.Purposes, req.Purpose) {
		return Redeemed{}, ErrPurposeNotRegistered
	}
	for _, c := range req.Claims {
		if !slices.Contains(v.Claims, c) {
			return Redeemed{}, fmt.Errorf("%w: %q", ErrClaimsNotRegistered, c)
		}
	}
	code = NormalizeCode(code)
	if code == "" {
		return Redeemed{}, ErrUnknownShare
	}
	sh, err := s.cfg.Shares.ByCode(ctx, HashCode(code))
	if errors.Is(err, sp.ErrNotFound) {
		return Redeemed{}, ErrUnknownShare
	}
	if err != nil {
		return Redeemed{}, fmt.Errorf("documents: finding a share: %w", err)
	}
	if sh.Purpose != req.Purpose {
		return Redeemed{}, ErrPurposeMismatch
	}
	claims := sh.Claims
	if len(req.Claims) > 0 {
		claims = nil
		for _, c := range sh.Claims {
			if slices.Contains(req.Claims, c) {
				claims = append(claims, c)
			}
		}
	}
	for _, c := range claims {
		// Asked for nothing in particular, it may receive only what it is
		// registered for.
		if !slices.Contains(v.Claims, c) {
			return Redeemed{}, fmt.Errorf("%w: %q", ErrClaimsNotRegistered, c)
		}
	}
	if len(claims) == 0 {
		return Redeemed{}, ErrClaimsNotShared
	}
	now := s.cfg.Now()
	if !sh.VerifiedAt.IsZero() {
		return Redeemed{}, ErrShareUsed
	}
	if !now.Before(sh.ExpiresAt) {
		return Redeemed{}, ErrShareExpired
	}
	pres, err := sdjwt.Parse(sh.Presentation)
	if err != nil {
		return Redeemed{}, fmt.Errorf("documents: a stored presentation: %w", err)
	}
	sh, err = s.cfg.Shares.Redeem(ctx, sh.ID, Redemption{At: now, VerifierID: v.ID, VerifierName: v.Name})
	if err != nil {
		if errors.Is(err, ErrShareUsed) || errors.Is(err, ErrShareExpired) {
			return Redeemed{}, err
		}
		return Redeemed{}, fmt.Errorf("documents: redeeming a share: %w", err)
	}
	if err := s.record(ctx, sh, v, now); err != nil {
		if rerr := s.cfg.Shares.Release(ctx, sh.ID); rerr != nil {
			s.cfg.Logger.ErrorContext(ctx, "a redeemed share could not be released after its recording failed: it stays used",
				"share", sh.ID, "error", rerr)
		}
		return Redeemed{}, &sp.Error{Code: sp.CodeUnavailable, Err: err, Message: "the verification could not be recorded: try again shortly"}
	}
	return Redeemed{ShareID: sh.ID, DocumentType: sh.DocumentType, Purpose: sh.Purpose, Claims: claims,
		Presentation: pres.Select(claims...).String(), VerifiedAt: now, ExpiresAt: sh.ExpiresAt}, nil
}

// record writes the verification to the citizen's access log and records
// the consent it rests on.
func (s *Service) record(ctx context.Context, sh Share, v Verifier, at time.Time) error {
	cats := []privacy.Category{sh.DocumentType.Category()}
	err := s.cfg.Log.Record(ctx, privacy.Entry{
		ID: "share:" + sh.ID, At: at, Subject: sh.Subject,
		Actor:  privacy.Actor{Kind: privacy.ActorVerifier, ID: v.ID, Name: v.Name},
		Agency: sh.Agency, Categories: cats, Purpose: sh.Purpose, LegalBasis: privacy.BasisConsent, ShareID: sh.ID,
	})
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	if _, err := s.cfg.Consents.Grant(ctx, privacy.Consent{Subject: sh.Subject, Recipient: v.ID, Purpose: sh.Purpose,
		Categories: cats, GrantedAt: at}); err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	return nil
}
