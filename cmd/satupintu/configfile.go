package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	sp "github.com/satupintu/satupintu"
)

// fileConfig is the optional configuration file (SATUPINTU_CONFIG_FILE),
// JSON, for the per-agency settings that are awkward as variables (TTL per
// data kind). Secrets are not accepted here: they come from the
// environment only. Environment variables override the file.
//
//	{"agencies": {"police": {"timeout": "1500ms", "retries": 1,
//	   "ttl": {"police": "5m"}}}}
type fileConfig struct {
	Agencies map[sp.Agency]fileAgency `json:"agencies"`
}

type fileAgency struct {
	URL             string                  `json:"url"`
	Timeout         *fileDuration           `json:"timeout"`
	AttemptTimeout  *fileDuration           `json:"attemptTimeout"`
	Retries         *int                    `json:"retries"`
	BackoffBase     *fileDuration           `json:"backoffBase"`
	BackoffMax      *fileDuration           `json:"backoffMax"`
	BreakerFailures *uint32                 `json:"breakerFailures"`
	BreakerOpenFor  *fileDuration           `json:"breakerOpenFor"`
	MaxConcurrent   *int                    `json:"maxConcurrent"`
	CacheTTL        *fileDuration           `json:"cacheTTL"`
	StaleFor        *fileDuration           `json:"staleFor"`
	TTL             map[string]fileDuration `json:"ttl"` // per data kind
}

// fileDuration reads "1500ms", "2s", "6h".
type fileDuration time.Duration

func (d *fileDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("durations are strings such as \"2s\" or \"500ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"2s\" or \"500ms\"", s)
	}
	*d = fileDuration(v)
	return nil
}

// applyFile reads the file at path into c and returns the names of the
// variables it settled (so production's checks count them as set).
func applyFile(c *Config, path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var f fileConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var set []string
	for a, fa := range f.Agencies {
		if !a.Valid() {
			return nil, fmt.Errorf("%s: unknown agency %q (use dukcapil, bpjs, satusehat, education, police, social)", path, a)
		}
		ac := c.Agencies[a]
		if fa.URL != "" {
			ac.BaseURL = fa.URL
			set = append(set, envName(a, "URL"))
		}
		setDuration(&ac.Timeout, fa.Timeout)
		setDuration(&ac.AttemptTimeout, fa.AttemptTimeout)
		setDuration(&ac.BackoffBase, fa.BackoffBase)
		setDuration(&ac.BackoffMax, fa.BackoffMax)
		setDuration(&ac.BreakerOpenFor, fa.BreakerOpenFor)
		setDuration(&ac.DefaultTTL, fa.CacheTTL)
		setDuration(&ac.StaleFor, fa.StaleFor)
		if fa.Retries != nil {
			ac.Retries = *fa.Retries
		}
		if fa.BreakerFailures != nil {
			ac.BreakerFailures = *fa.BreakerFailures
		}
		if fa.MaxConcurrent != nil {
			ac.MaxConcurrent = *fa.MaxConcurrent
		}
		if len(fa.TTL) > 0 {
			ac.TTL = map[string]time.Duration{}
			for kind, d := range fa.TTL {
				ac.TTL[kind] = time.Duration(d)
			}
		}
		c.Agencies[a] = ac
	}
	return set, nil
}

func setDuration(dst *time.Duration, v *fileDuration) {
	if v != nil {
		*dst = time.Duration(*v)
	}
}
