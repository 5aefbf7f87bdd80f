package documents

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// Verifier is a registered organisation (a bank, a notary, a rental
// agency, a police post) that may redeem shares: with its secret, for its
// purposes, receiving at most its claims.
type Verifier struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Secrets  []string `json:"secrets"` // HMAC keys of its requests; several during a rotation
	Purposes []string `json:"purposes"`
	Claims   []string `json:"claims"`
}

var (
	verifierIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	purposePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// minSecret is the shortest verifier secret accepted (bytes).
const minSecret = 16

// ValidPurpose reports whether p is a purpose code: lower-case letters,
// digits, dots, underscores and hyphens, at most 64.
func ValidPurpose(p string) bool { return purposePattern.MatchString(p) }

// Validate checks one registration.
func (v Verifier) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !verifierIDPattern.MatchString(v.ID) {
		bad("id %q must be 2 to 63 lower-case letters, digits or hyphens", v.ID)
	}
	if v.Name == "" {
		bad("%s: a name is required (citizens read it in their share history)", v.ID)
	}
	if len(v.Secrets) == 0 {
		bad("%s: at least one secret is required", v.ID)
	}
	for i, s := range v.Secrets {
		if len(s) < minSecret {
			bad("%s: secret %d is shorter than %d bytes", v.ID, i+1, minSecret)
		}
	}
	if len(v.Purposes) == 0 {
		bad("%s: at least one purpose is required", v.ID)
	}
	for _, p := range v.Purposes {
		if !ValidPurpose(p) {
			bad("%s: purpose %q must be lower-case letters, digits, dots, underscores or hyphens", v.ID, p)
		}
	}
	if len(v.Claims) == 0 {
		bad("%s: at least one claim is required", v.ID)
	}
	known := AllClaimNames()
	for _, c := range v.Claims {
		if !slices.Contains(known, c) {
			bad("%s: %q is no claim of any document (known: %v)", v.ID, c, known)
		}
	}
	return errors.Join(errs...)
}

// ValidateVerifiers checks every registration and that ids are unique.
func ValidateVerifiers(vs []Verifier) error {
	var errs []error
	seen := map[string]bool{}
	for _, v := range vs {
		errs = append(errs, v.Validate())
		if seen[v.ID] {
			errs = append(errs, fmt.Errorf("verifier %q is registered twice", v.ID))
		}
		seen[v.ID] = true
	}
	return errors.Join(errs...)
}

// SecretBytes are the verifier's secrets as HMAC keys.
func (v Verifier) SecretBytes() [][]byte {
	out := make([][]byte, len(v.Secrets))
	for i, s := range v.Secrets {
		out[i] = []byte(s)
	}
	return out
}

// SandboxVerifier is dev mode's verifier: public credentials, every purpose
// the sandbox knows and every claim, so a verifier developer can try the
// whole flow at once (GET /dev/verifiers lists it).
func SandboxVerifier() Verifier {
	return Verifier{
		ID: "sandbox", Name: "Sandbox Verifier (dev)",
		Secrets:  []string{"dev-sandbox-verifier-secret"},
		Purposes: []string{"identity-check", "age-check", "account-opening", "rental-agreement", "employment"},
		Claims:   AllClaimNames(),
	}
}
