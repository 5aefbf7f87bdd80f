package auth

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Config says whose tokens are accepted.
type Config struct {
	// Issuer is the identity provider's issuer URL, matched exactly against "iss".
	Issuer string
	// JWKSURL is where the provider's public keys are. Empty: discovered
	// from Issuer + "/.well-known/openid-configuration".
	JWKSURL string
	// Audience is satupintu's client id at the provider; "aud" must contain it.
	Audience string
	// Algorithms allowed in the token header, at least one. Only
	// asymmetric ones: with a shared-secret algorithm anyone holding the
	// public key could sign.
	Algorithms []string
	// NIKClaim names the claim carrying the citizen's NIK.
	NIKClaim string
	// Leeway tolerates clock skew on exp, nbf and iat; zero tolerates none.
	Leeway time.Duration
	// MaxLifetime is the longest exp − iat accepted (WithDefaults: 24h). Every
	// token must carry iat.
	MaxLifetime time.Duration
}

// The recommended settings (WithDefaults).
const (
	DefaultNIKClaim    = "nik"
	DefaultLeeway      = 30 * time.Second
	DefaultMaxLifetime = 24 * time.Hour
)

// maxLeeway is the most clock skew Validate accepts.
const maxLeeway = 5 * time.Minute

var defaultAlgorithms = []string{"ES256", "RS256"}

// asymmetric are the algorithms Config accepts.
var asymmetric = []string{
	"ES256", "ES384", "ES512",
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"EdDSA",
}

// WithDefaults returns c with its empty fields but Issuer, JWKSURL and
// Audience filled with the recommended settings: ES256 and RS256, the
// claim "nik", 30s of leeway. Configuration applies it once; NewVerifier
// does not.
func (c Config) WithDefaults() Config {
	if len(c.Algorithms) == 0 {
		c.Algorithms = slices.Clone(defaultAlgorithms)
	}
	if c.NIKClaim == "" {
		c.NIKClaim = DefaultNIKClaim
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.MaxLifetime == 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	return c
}

// Validate reports every problem of c at once. Only JWKSURL may be empty.
func (c Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("auth: issuer is required"))
	} else if err := checkURL(c.Issuer); err != nil {
		errs = append(errs, fmt.Errorf("auth: issuer: %w", err))
	}
	if c.JWKSURL != "" {
		if err := checkURL(c.JWKSURL); err != nil {
			errs = append(errs, fmt.Errorf("auth: JWKS URL: %w", err))
		}
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("auth: audience (satupintu's client id at the identity provider) is required"))
	}
	if len(c.Algorithms) == 0 {
		errs = append(errs, errors.New("auth: at least one token algorithm is required"))
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(asymmetric, a) {
			errs = append(errs, fmt.Errorf("auth: algorithm %q not allowed: use asymmetric ones only (%v)", a, asymmetric))
		}
	}
	if c.NIKClaim == "" {
		errs = append(errs, errors.New("auth: the NIK claim name is required"))
	}
	if c.Leeway < 0 || c.Leeway > maxLeeway {
		errs = append(errs, fmt.Errorf("auth: leeway must be between 0 and %s, got %s", maxLeeway, c.Leeway))
	}
	if c.MaxLifetime <= 0 {
		errs = append(errs, fmt.Errorf("auth: maximum token lifetime must be positive, got %s", c.MaxLifetime))
	}
	return errors.Join(errs...)
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", s)
	}
	return nil
}
