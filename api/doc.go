// Package api holds the documents of satupintu's HTTP contracts with other
// systems. agency.yaml (OpenAPI 3.0) is the case contract with the agencies:
// forwards, status events, polling and cancellations, and the signature
// scheme (implemented by cases/signature). wire.go holds the shapes that
// both ends of the contract in this repository share. verifier.yaml is the
// verify API of registered verifiers (document shares, SD-JWT VC, status
// lists).
package api

import _ "embed"

// AgencySpec is agency.yaml, for tests and for serving the document.
//
//go:embed agency.yaml
var AgencySpec []byte

// VerifierSpec is verifier.yaml.
//
//go:embed verifier.yaml
var VerifierSpec []byte

// PaymentsSpec is payments.yaml: the payment gateway's notifications.
//
//go:embed payments.yaml
var PaymentsSpec []byte
