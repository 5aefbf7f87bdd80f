package main

import (
	"net/http"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/server"
)

// now is the app's clock for the documents wallet, the policy, the
// mandates and the payments (and, in dev mode, the payment simulators and
// the memory job queue): time.Now unless a test moves its own.
func (a *app) now() time.Time {
	if a.cfg.clock != nil {
		return a.cfg.clock()
	}
	return time.Now()
}

// startWallet builds the documents wallet on the stores: verifications
// go to the citizen's access log and consents.
func (a *app) startWallet() error {
	w, err := documents.New(documents.Config{
		PublicURL: a.cfg.PublicURL, Keys: a.cfg.SigningKeys,
		Slots: a.stores.StatusSlots, Shares: a.stores.Shares, History: a.stores.ShareHistory,
		Verifiers: a.cfg.Verifiers, Log: a.stores.AccessLog, Consents: a.stores.Consents,
		Now: a.now, Logger: a.log.With("component", "documents"),
		ShareTTL: a.cfg.ShareTTL, CredentialTTL: a.cfg.CredentialTTL, StatusTTL: a.cfg.StatusListTTL,
	})
	if err != nil {
		return err
	}
	a.wallet = w
	return nil
}

// documentRoutes are the wallet's public routes: issuer metadata, status
// lists, the verify API.
func (a *app) documentRoutes() *server.Documents {
	return &server.Documents{Issuer: a.wallet, Redeemer: a.wallet,
		// With Redis, a replayed verify request seen by any instance is
		// refused by every instance.
		Signatures: signature.NewVerifier(a.now, a.stores.Replays)}
}

// devVerifiers is GET /dev/verifiers: the sandbox verifier with its
// (public) secret, for a verifier developer to try the flow at once. Real
// registrations are never listed.
func (a *app) devVerifiers(w http.ResponseWriter, r *http.Request) {
	sb := documents.SandboxVerifier()
	writeDevJSON(w, http.StatusOK, []map[string]any{{
		"id": sb.ID, "name": sb.Name, "secret": sb.Secrets[0], "purposes": sb.Purposes, "claims": sb.Claims,
		"header": server.VerifierHeader, "signature": signature.Header,
	}})
}
