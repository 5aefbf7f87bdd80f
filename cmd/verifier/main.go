// Command verifier checks documents shared from satupintu: a one-time code,
// a share link or a QR image, online through the verify API or offline
// against a cached copy of the issuer's keys and status lists. It is what
// a counter or a bank can run as it is, and the reference for verifier
// developers (the code is documents/verifier; the API api/verifier.yaml).
//
//	VERIFIER_ID=sandbox VERIFIER_SECRET=dev-sandbox-verifier-secret \
//	  go run ./cmd/verifier check -server http://localhost:8080 -purpose age-check -code 3JEYQPKAMSUH
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/satupintu/satupintu/documents/verifier"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := verifier.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
