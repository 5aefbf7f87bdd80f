package main

import (
	"fmt"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/server"
)

// validate is the checks across settings and of the clients' settings,
// each error naming the variables it is about. Each value was checked for
// its form as it was read (see variables); what the workers and clients
// are given here is what they run with, so they check nothing more than
// that it is there.
func (c Config) validate() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if err := c.Auth.Validate(); err != nil {
		bad("%w (settings SATUPINTU_AUTH_*)", err)
	}
	for _, ag := range sp.Agencies {
		if err := c.Agencies[ag].Validate(); err != nil {
			bad("agency %s: %w (settings %s)", ag, err, envName(ag, "*"))
		}
		// A cache as slow as the agency saves nothing.
		if t := c.Agencies[ag].Timeout; c.CacheTimeout >= t {
			bad("SATUPINTU_CACHE_TIMEOUT=%s: must be shorter than %s (%s)", c.CacheTimeout, envName(ag, "TIMEOUT"), t)
		}
	}
	for _, a := range []struct {
		err  error
		vars []string
	}{
		{c.Dukcapil.Validate(), []string{"SATUPINTU_DUKCAPIL_API_KEY"}},
		{c.Education.Validate(), []string{"SATUPINTU_EDUCATION_API_KEY"}},
		{c.Police.Validate(), []string{"SATUPINTU_POLICE_API_KEY"}},
		{c.Social.Validate(), []string{"SATUPINTU_SOCIAL_API_KEY"}},
		{c.BPJS.Validate(), []string{"SATUPINTU_BPJS_CONS_ID", "SATUPINTU_BPJS_SECRET", "SATUPINTU_BPJS_USER_KEY",
			"SATUPINTU_BPJS_PCARE_USER", "SATUPINTU_BPJS_PCARE_PASSWORD"}},
		{c.SatuSehat.Validate(), []string{"SATUPINTU_SATUSEHAT_CLIENT_ID", "SATUPINTU_SATUSEHAT_CLIENT_SECRET"}},
	} {
		if a.err != nil {
			bad("%w (settings %s)", a.err, strings.Join(a.vars, ", "))
		}
	}
	if c.Payments {
		for _, m := range []struct {
			missing bool
			name    string
		}{
			{c.SNAP.BaseURL == "", "SATUPINTU_SNAP_URL"}, {c.SNAP.ClientID == "", "SATUPINTU_SNAP_CLIENT_ID"},
			{c.SNAP.ClientSecret == "", "SATUPINTU_SNAP_CLIENT_SECRET"}, {c.SNAP.PrivateKey == nil, "SATUPINTU_SNAP_PRIVATE_KEY_FILE"},
			{c.SNAP.GatewayKey == nil, "SATUPINTU_SNAP_GATEWAY_KEY_FILE"}, {len(c.SNAP.PartnerServiceID) != 8, "SATUPINTU_SNAP_PARTNER_SERVICE_ID (8 characters)"},
			{c.Simponi.BaseURL == "", "SATUPINTU_SIMPONI_URL"}, {c.Simponi.User == "" || c.Simponi.Password == "", "SATUPINTU_SIMPONI_USER and SATUPINTU_SIMPONI_PASSWORD"},
		} {
			if m.missing {
				bad("SATUPINTU_PAYMENTS=on needs %s", m.name)
			}
		}
		if c.PaymentReconcileAfter >= c.PaymentValidity {
			bad("SATUPINTU_PAYMENT_RECONCILE_AFTER=%s: must be shorter than SATUPINTU_PAYMENT_VALIDITY (%s)", c.PaymentReconcileAfter, c.PaymentValidity)
		}
	}
	if c.Overload {
		if err := c.OverloadLimits.Validate(); err != nil {
			bad("%w (settings SATUPINTU_OVERLOAD_*)", err)
		}
	}
	for _, ag := range caseAgencies {
		if len(c.CaseSecrets[ag]) == 0 {
			bad("%s is not set", envName(ag, "CASE_SECRET"))
		}
	}

	for _, b := range []struct {
		name string
		d    [2]time.Duration
	}{{"SATUPINTU_FORWARD_BACKOFF", c.ForwardBackoff}, {"SATUPINTU_PUSH_BACKOFF", c.PushBackoff}} {
		if b.d[1] < b.d[0] {
			bad("%s_MAX=%s: must be at least %s_BASE (%s)", b.name, b.d[1], b.name, b.d[0])
		}
	}
	if c.TrustedMode != server.TrustedOff && len(c.TrustedFiles) == 0 {
		bad("SATUPINTU_TRUSTED_DOCUMENTS=%s (the production default) needs SATUPINTU_TRUSTED_DOCUMENTS_FILE: the apps' persisted query manifests; or set SATUPINTU_TRUSTED_DOCUMENTS=off to run any operation", c.TrustedMode)
	}
	if err := c.Releases.Validate(); err != nil {
		bad("%w (settings SATUPINTU_MIN_APP_VERSION, SATUPINTU_LATEST_APP_VERSION, SATUPINTU_APP_UPDATE_URL)", err)
	}
	// A push claim must outlast one FCM request, or a slow request lets
	// another instance send the same push again.
	if minLease := c.FCMTimeout + 5*time.Second; c.PushSendLease < minLease {
		bad("SATUPINTU_PUSH_SEND_LEASE=%s: must be at least %s, longer than one FCM request (%s)",
			c.PushSendLease, minLease, c.FCMTimeout)
	}
	if err := c.Retention.Validate(); err != nil {
		bad("%w (settings SATUPINTU_RETENTION_*)", err)
	}
	if !c.AccessLog && c.Mode != ModeDev {
		bad("SATUPINTU_ACCESS_LOG=off: only in dev mode, to measure; the law requires the log")
	}
	return errs
}
