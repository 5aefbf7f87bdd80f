package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Agencies report the accesses their own officers make to a citizen's
// data to satupintu (POST /agency/v1/access-events, signed as the status
// events are), so the citizen sees them in their access log. The police
// simulator does when it checks an SKCK applicant's records: as the case
// goes IN_REVIEW, an officer reads the applicant's criminal record and
// identity, and the access is reported until satupintu takes it.

// accessEvent is one access in the contract's wire form.
type accessEvent struct {
	EventID    string   `json:"eventId"`
	NIK        string   `json:"nik"`
	At         string   `json:"at"`
	Categories []string `json:"categories"`
	Purpose    string   `json:"purpose"`
	Officer    string   `json:"officer"`
}

// simOfficer is the police officer who checks SKCK applications in the
// sandbox (an invented name and NRP).
const simOfficer = "Bripka Sutrisno (NRP 84051234)"

// noteAccess records the access the agency's officer makes with event ev:
// the police read the applicant's records to review an SKCK. The caller
// holds the book's lock.
func (c *simCase) noteAccess(ev caseEvent) {
	if c.agency != sp.AgencyPolice || c.serviceID != "skck-application" || ev.Status != "IN_REVIEW" || c.nik == "" {
		return
	}
	c.access = &accessEvent{
		EventID: fmt.Sprintf("acc-%s-%d", c.agencyRef, ev.Sequence), NIK: c.nik, At: ev.OccurredAt,
		Categories: []string{"POLICE", "IDENTITY"},
		Purpose:    "Pemeriksaan catatan kepolisian untuk SKCK " + c.agencyRef,
		Officer:    simOfficer,
	}
}

type accessDelivery struct {
	c         *simCase
	url, sig  string
	body      []byte
	agencyHdr string
}

// prepareAccess signs the case's pending access event for satupintu's
// access-event endpoint, found next to the case's callback. The caller
// holds the book's lock.
func (s *Sandbox) prepareAccess(c *simCase) accessDelivery {
	base, _, _ := strings.Cut(c.callback, "/agency/v1/cases/")
	body, _ := json.Marshal(map[string][]accessEvent{"events": {*c.access}})
	t := time.Now().Unix()
	return accessDelivery{c: c, url: base + "/agency/v1/access-events", body: body, agencyHdr: string(c.agency),
		sig: signatureValue(s.caseSecret(c.agency), t, body)}
}

// reportAccess posts one access batch; true once satupintu took it (2xx),
// or refused it for good (4xx other than 401 and 429).
func (s *Sandbox) reportAccess(ctx context.Context, d accessDelivery) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(agencyHeader, d.agencyHdr)
	req.Header.Set(signatureHeader, d.sig)
	resp, err := s.cases.client.Do(req)
	if err != nil {
		s.log.Warn("access event not delivered; retried at the next step", "agency", d.c.agency, "case", d.c.id, "error", err)
		return false
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return true
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests:
		s.log.Warn("access event refused for good", "agency", d.c.agency, "case", d.c.id, "answer", strings.TrimSpace(string(answer)))
		return true
	}
	s.log.Warn("access event refused; retried at the next step", "agency", d.c.agency, "status", resp.StatusCode)
	return false
}
