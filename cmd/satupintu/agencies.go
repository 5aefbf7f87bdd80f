package main

import (
	"fmt"
	"net/http"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/bpjs"
	"github.com/satupintu/satupintu/integrations/caseapi"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/integrations/police"
	"github.com/satupintu/satupintu/integrations/satusehat"
	"github.com/satupintu/satupintu/integrations/social"
	"github.com/satupintu/satupintu/readmodel"
)

// newTransport is the shared transport of the agency clients.
func (a *app) newTransport() *http.Transport {
	if a.agencyT == nil {
		a.agencyT = agency.NewTransport(a.cfg.Agencies)
	}
	return a.agencyT
}

func (a *app) agencyClient(ag sp.Agency, metrics *agency.Metrics, cache agency.Cache) (*agency.Client, error) {
	c, err := agency.New(ag, a.cfg.Agencies[ag], agency.Options{
		Transport:    a.newTransport(),
		Cache:        cache,
		CacheKey:     a.cfg.CacheKey,
		CacheTimeout: a.cfg.CacheTimeout,
		Metrics:      metrics,
		Instance:     a.cfg.Instance,
		Logger:       a.log.With("component", "agency"),
	})
	if err != nil {
		return nil, fmt.Errorf("%w (settings %s)", err, envName(ag, "*"))
	}
	return c, nil
}

// agencies builds the six read clients, cached, and their adapters.
func (a *app) agencies(metrics *agency.Metrics) (readmodel.Agencies, error) {
	clients := map[sp.Agency]*agency.Client{}
	for _, ag := range sp.Agencies {
		c, err := a.agencyClient(ag, metrics, a.stores.Cache)
		if err != nil {
			return readmodel.Agencies{}, err
		}
		clients[ag] = c
	}
	return readmodel.Agencies{
		Registry:  dukcapil.New(clients[sp.AgencyDukcapil], a.cfg.Dukcapil),
		Insurance: bpjs.New(clients[sp.AgencyBPJS], a.cfg.BPJS),
		Health:    satusehat.New(clients[sp.AgencySatuSehat], a.cfg.SatuSehat),
		Schools:   education.New(clients[sp.AgencyEducation], a.cfg.Education),
		Police:    police.New(clients[sp.AgencyPolice], a.cfg.Police),
		Social:    social.New(clients[sp.AgencySocial], a.cfg.Social),
		Watch:     agency.WithObserver,
	}, nil
}

// caseAgencies builds the case contract clients: their own agency client
// each (own breaker: a failing intake does not stop reads), never cached.
func (a *app) caseAgencies(metrics *agency.Metrics) (map[sp.Agency]cases.Agency, error) {
	out := map[sp.Agency]cases.Agency{}
	for _, ag := range caseAgencies {
		c, err := a.agencyClient(ag, metrics, nil)
		if err != nil {
			return nil, err
		}
		out[ag] = caseapi.New(c, a.cfg.CaseSecrets[ag], a.cfg.PublicURL)
	}
	return out, nil
}
