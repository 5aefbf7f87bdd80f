package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Stepping: at each step every open case moves by one event. A webhook
// agency first delivers what it owes: a case whose latest event was not
// acknowledged retries that event and emits nothing new, so the receiver
// sees events in order. A polled agency only records the event; satupintu
// reads it from the status endpoint.

// delivery is one webhook attempt, prepared under the book's lock.
type delivery struct {
	c         *simCase
	url       string
	sequence  int
	body      []byte
	signature string
}

// StepCases performs one step for every case and returns once this step's
// webhook deliveries are done. Deliveries run concurrently across cases, so
// a slow receiver does not hold the others back. Steps never overlap.
func (s *Sandbox) StepCases(ctx context.Context) {
	b := s.cases
	b.stepMu.Lock()
	defer b.stepMu.Unlock()

	now := s.now().UTC()
	var jobs []delivery
	b.mu.Lock()
	for _, a := range caseAgencies {
		webhooks := !b.polled[a]
		for _, c := range b.agencies[a].order {
			if c.cancelled {
				continue
			}
			if webhooks && c.callback != "" && c.delivered < len(c.events) {
				jobs = append(jobs, s.prepareDelivery(c, c.events[c.delivered]))
				continue
			}
			if len(c.events) == len(c.script) {
				continue
			}
			ev := c.advance(now)
			if webhooks && c.callback != "" {
				jobs = append(jobs, s.prepareDelivery(c, ev))
			}
			c.noteAccess(ev)
		}
	}
	var accesses []accessDelivery
	for _, a := range caseAgencies {
		for _, c := range b.agencies[a].order {
			if c.access != nil && c.callback != "" {
				accesses = append(accesses, s.prepareAccess(c))
			}
		}
	}
	b.mu.Unlock()
	for _, d := range accesses {
		if s.reportAccess(ctx, d) {
			b.mu.Lock()
			d.c.access = nil
			b.mu.Unlock()
		}
	}

	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			if !s.deliver(ctx, j) {
				return
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			j.c.delivered = max(j.c.delivered, j.sequence)
		})
	}
	wg.Wait()
}

// advance appends the case's next scripted event.
func (c *simCase) advance(now time.Time) caseEvent {
	seq := len(c.events) + 1
	st := c.script[seq-1]
	ev := caseEvent{CaseID: c.id, EventID: fmt.Sprintf("evt-%s-%d", c.agencyRef, seq), Sequence: seq, Status: st.status,
		OccurredAt: now.Format(time.RFC3339), Message: st.message}
	c.events = append(c.events, ev)
	return ev
}

// maxSignatureLead bounds how far ahead of the wall clock a redelivery's
// timestamp may be pushed to keep it unique.
const maxSignatureLead = 2 * time.Minute

// prepareDelivery signs ev for its case. Each attempt is signed anew; when
// the same event is sent again within the same second the timestamp moves
// one second on, so the signature differs from the one already seen. The
// caller holds the book's lock.
func (s *Sandbox) prepareDelivery(c *simCase, ev caseEvent) delivery {
	body, _ := json.Marshal(ev) // plain strings and ints: cannot fail
	wall := time.Now().Unix()
	t := wall
	if ev.Sequence == c.lastSignedSeq && t <= c.lastSigned {
		t = min(c.lastSigned+1, wall+int64(maxSignatureLead/time.Second))
	}
	c.lastSigned, c.lastSignedSeq = t, ev.Sequence
	return delivery{c: c, url: c.callback, sequence: ev.Sequence, body: body,
		signature: signatureValue(s.caseSecret(c.agency), t, body)}
}

// deliver posts one event to the case's callback and reports whether it
// counts as delivered: a 2xx, or a 409 that refuses the event for good
// (an impossible transition or a sequence conflict: sending it again would
// not change that). A 409 SEQUENCE_TOO_FAR_AHEAD is retried: it passes
// once the events before it are in.
func (s *Sandbox) deliver(ctx context.Context, d delivery) bool {
	log := s.log.With("agency", d.c.agency, "case", d.c.id, "sequence", d.sequence)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		log.Warn("case event not sent", "error", err)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(agencyHeader, string(d.c.agency))
	req.Header.Set(signatureHeader, d.signature)
	resp, err := s.cases.client.Do(req)
	if err != nil {
		// The error names the callback URL: only a case id, no citizen data.
		log.Warn("case event delivery failed; retried at the next step", "error", err)
		return false
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	switch {
	case resp.StatusCode/100 == 2:
		log.Debug("case event delivered", "status", resp.StatusCode)
		return true
	case resp.StatusCode == http.StatusConflict && errorCodeOf(answer) != "SEQUENCE_TOO_FAR_AHEAD":
		log.Warn("case event refused for good; not sent again", "answer", strings.TrimSpace(string(answer)))
		return true
	}
	log.Warn("case event refused; retried at the next step", "status", resp.StatusCode,
		"answer", strings.TrimSpace(string(answer)))
	return false
}

// errorCodeOf reads the code of an error answer, "" if there is none.
func errorCodeOf(answer []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(answer, &e)
	return e.Error.Code
}

// startStepping steps every case on a ticker until Close.
func (s *Sandbox) startStepping(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	b := s.cases
	b.stop, b.done = cancel, make(chan struct{})
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.StepCases(ctx)
			}
		}
	}()
}

// close stops the ticker, if any, and waits for its step to end.
func (b *caseBook) close() {
	b.closeOnce.Do(func() {
		if b.stop != nil {
			b.stop()
			<-b.done
		}
		if t, ok := b.client.Transport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	})
}
