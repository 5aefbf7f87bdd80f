package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/fcm"
)

// config is every setting of agencysim, from AGENCYSIM_ variables.
type config struct {
	Addr       string
	BaseURL    string // "" = http://<the address it listens on>
	FCMProject string
	Step       time.Duration
	Polled     map[sp.Agency]bool // never nil: nil would mean the sandbox's default
	Population int                // synthetic citizens added to the named ones
	LogLevel   slog.Level
	PprofAddr  string // "" = no profiling endpoint
}

func defaultConfig() config {
	return config{
		Addr:       "127.0.0.1:9090",
		FCMProject: fcm.DevProjectID,
		Step:       2 * time.Second,
		Polled:     map[sp.Agency]bool{sp.AgencyEducation: true},
		LogLevel:   slog.LevelInfo,
	}
}

// maxPopulation bounds AGENCYSIM_POPULATION: some simulators look people
// up by scanning the whole seed.
const maxPopulation = 100_000

// variable is one environment variable, its default and what it means.
type variable struct {
	name, def, help string
	set             func(c *config, v string) error
}

func variables() []variable {
	return []variable{
		{"AGENCYSIM_ADDR", "127.0.0.1:9090", "address to listen on (port 0: any free port)",
			func(c *config, v string) error { c.Addr = v; return nil }},
		{"AGENCYSIM_BASE_URL", "http://<listen address>", "the URL satupintu instances reach this sandbox at; names the identity provider's issuer (<base>/idp), the FCM token_uri and every URL of /sim/credentials",
			func(c *config, v string) error {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return errors.New("must be an absolute http(s) URL")
				}
				c.BaseURL = strings.TrimRight(v, "/")
				return nil
			}},
		{"AGENCYSIM_FCM_PROJECT", fcm.DevProjectID, "Firebase project id the fake FCM answers for",
			func(c *config, v string) error { c.FCMProject = v; return nil }},
		{"AGENCYSIM_STEP", "2s", "how often each open case moves one step (0: only on POST /sim/step)",
			func(c *config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 {
					return errors.New("must be a duration such as 2s or 500ms, or 0")
				}
				c.Step = d
				return nil
			}},
		{"AGENCYSIM_POLLED", "education", "case agencies that call no webhooks (satupintu polls them), comma-separated, or none",
			func(c *config, v string) error {
				polled := map[sp.Agency]bool{}
				if v == "none" {
					c.Polled = polled
					return nil
				}
				for name := range strings.SplitSeq(v, ",") {
					a := sp.Agency(strings.TrimSpace(name))
					if !slices.Contains(sim.CaseAgencies(), a) {
						return fmt.Errorf("%q is not a case agency: use bpjs, education, police, social or none", a)
					}
					polled[a] = true
				}
				c.Polled = polled
				return nil
			}},
		{"AGENCYSIM_POPULATION", "0", "synthetic citizens served besides the ten named ones, for load tests (deterministic; /sim/citizens lists them)",
			func(c *config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > maxPopulation {
					return fmt.Errorf("must be a whole number from 0 to %d", maxPopulation)
				}
				c.Population = n
				return nil
			}},
		{"AGENCYSIM_LOG_LEVEL", "info", "debug, info, warn or error",
			func(c *config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
		{"AGENCYSIM_PPROF_ADDR", "none", "address of a separate listener serving net/http/pprof (keep it on loopback), for profiling the simulators under load (loadgen -profile sets it)",
			func(c *config, v string) error { c.PprofAddr = v; return nil }},
	}
}

// loadConfig reads the environment and reports every bad value at once,
// each naming its variable.
func loadConfig(getenv func(string) string) (config, error) {
	c := defaultConfig()
	var errs []error
	for _, v := range variables() {
		val := strings.TrimSpace(getenv(v.name))
		if val == "" {
			continue
		}
		if err := v.set(&c, val); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.name, val, err))
		}
	}
	return c, errors.Join(errs...)
}

// unknownVariables warns about AGENCYSIM_ variables that are set but not
// known: a typo would otherwise be silently ignored.
func unknownVariables(environ []string, getenv func(string) string) []string {
	known := map[string]bool{}
	for _, v := range variables() {
		known[v.name] = true
	}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AGENCYSIM_") && !known[name] && getenv(name) != "" {
			out = append(out, fmt.Sprintf("unknown setting %s ignored", name))
		}
	}
	return out
}

// polledList names the polled agencies in stepping order, for the log.
func polledList(polled map[sp.Agency]bool) []string {
	var out []string
	for _, a := range sim.CaseAgencies() {
		if polled[a] {
			out = append(out, string(a))
		}
	}
	return out
}
