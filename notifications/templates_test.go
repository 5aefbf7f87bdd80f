package notifications_test

import (
	"strings"
	"testing"
	"unicode"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/notifications"
)

// agencyNames are how each agency is named in the texts, per language.
var agencyNames = map[sp.Agency][2]string{
	sp.AgencyDukcapil:  {"Dukcapil", "civil registry (Dukcapil)"},
	sp.AgencyBPJS:      {"BPJS Kesehatan", "BPJS Kesehatan"},
	sp.AgencySatuSehat: {"Kementerian Kesehatan", "Ministry of Health"},
	sp.AgencyEducation: {"Kementerian Pendidikan", "Ministry of Education"},
	sp.AgencyPolice:    {"Polri", "police (Polri)"},
	sp.AgencySocial:    {"Kementerian Sosial", "Ministry of Social Affairs"},
}

// Every status a citizen can be told of has a title and a body in both
// languages, naming the service and the agency, and never the agency's
// own message.
func TestTemplatesCoverEveryNotifiableStatusInBothLanguages(t *testing.T) {
	statuses := append([]cases.Status{cases.StatusForwarded, cases.StatusCancelled}, cases.AgencyStatuses...)
	e := newEnv(t)
	for _, a := range sp.Agencies {
		svc := serviceOf(t, e.cat, a)
		for _, st := range statuses {
			c := newCase("CASE-"+string(a)+"-"+string(st), dewi)
			c.ServiceID, c.Agency = svc.ID, a
			e.onChange(c, move(c, entry(st, cases.SourcePoll)))
			n, err := e.inbox.Get(e.ctx, dewi, noteID(c.ID, 1))
			if err != nil {
				t.Errorf("%s %s: no notification: %v", a, st, err)
				continue
			}
			if n.Title.ID != svc.Name.ID+": "+st.Label().ID || n.Title.EN != svc.Name.EN+": "+st.Label().EN {
				t.Errorf("%s %s: title %+v", a, st, n.Title)
			}
			if n.Title.ID == n.Title.EN || n.Body.ID == n.Body.EN {
				t.Errorf("%s %s: one language only: %+v %+v", a, st, n.Title, n.Body)
			}
			names := agencyNames[a]
			for lang, body := range map[string]string{"id": n.Body.ID, "en": n.Body.EN} {
				service, agency := svc.Name.ID, names[0]
				if lang == "en" {
					service, agency = svc.Name.EN, names[1]
				}
				if !strings.Contains(body, service) || !strings.Contains(body, agency) {
					t.Errorf("%s %s (%s): body %q does not name %q and %q", a, st, lang, body, service, agency)
				}
				if strings.ContainsAny(body, "{}") || body == "" || !unicode.IsUpper([]rune(body)[0]) {
					t.Errorf("%s %s (%s): body %q", a, st, lang, body)
				}
			}
			all := n.Title.ID + n.Title.EN + n.Body.ID + n.Body.EN
			if strings.Contains(all, "SECRET-DETAIL-42") || strings.Contains(all, string(dewi)) {
				t.Errorf("%s %s: the agency message or the NIK leaked: %q", a, st, all)
			}
		}
	}
}

// The submission is the citizen's doing and has no text: nothing to tell.
// SUBMITTED by the system is the fee paid (the case goes on): told.
func TestSubmittedIsNotNotified(t *testing.T) {
	e := newEnv(t)
	c := newCase("CASE-1", dewi)
	e.onChange(c, cases.Change{From: 0, Entries: c.History, Version: 1})
	if page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{}); page.Total != 0 {
		t.Errorf("%d notifications of a submission", page.Total)
	}
	c2 := newCase("CASE-2", dewi)
	e.onChange(c2, move(c2, entry(cases.StatusSubmitted, cases.SourceSystem)))
	page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{})
	if page.Total != 1 || !strings.Contains(page.Items[0].Body.EN, "Payment") {
		t.Errorf("a payment received: %+v; want one notification of it", page)
	}
}

func serviceOf(t *testing.T, cat *catalog.Catalog, a sp.Agency) *catalog.Service {
	t.Helper()
	for _, s := range cat.Services() {
		if s.Agency == a {
			return s
		}
	}
	t.Fatalf("no service of %s in the catalog", a)
	return nil
}
