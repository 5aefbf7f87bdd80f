package cases_test

import (
	"testing"

	"github.com/satupintu/satupintu/cases"
)

var allStatuses = []cases.Status{
	cases.StatusSubmitted, cases.StatusForwarded, cases.StatusReceived, cases.StatusInReview,
	cases.StatusActionRequired, cases.StatusApproved, cases.StatusRejected, cases.StatusCompleted,
	cases.StatusCancelled, cases.StatusAwaitingPay, cases.StatusPaymentExpired,
}

// TestCanMove checks the whole machine: every pair is allowed exactly when
// the table of the contract says so.
func TestCanMove(t *testing.T) {
	allowed := map[[2]cases.Status]bool{
		{cases.StatusSubmitted, cases.StatusForwarded}:     true,
		{cases.StatusSubmitted, cases.StatusRejected}:      true,
		{cases.StatusSubmitted, cases.StatusCancelled}:     true,
		{cases.StatusForwarded, cases.StatusReceived}:      true,
		{cases.StatusForwarded, cases.StatusRejected}:      true,
		{cases.StatusForwarded, cases.StatusCancelled}:     true,
		{cases.StatusReceived, cases.StatusInReview}:       true,
		{cases.StatusReceived, cases.StatusCancelled}:      true,
		{cases.StatusInReview, cases.StatusActionRequired}: true,
		{cases.StatusInReview, cases.StatusApproved}:       true,
		{cases.StatusInReview, cases.StatusRejected}:       true,
		{cases.StatusActionRequired, cases.StatusInReview}: true,
		{cases.StatusApproved, cases.StatusCompleted}:      true,
		{cases.StatusRejected, cases.StatusCompleted}:      true,
		// Payments: before forwarding, or after approval.
		{cases.StatusAwaitingPay, cases.StatusSubmitted}:      true,
		{cases.StatusAwaitingPay, cases.StatusPaymentExpired}: true,
		{cases.StatusAwaitingPay, cases.StatusCancelled}:      true,
		{cases.StatusPaymentExpired, cases.StatusAwaitingPay}: true,
		{cases.StatusPaymentExpired, cases.StatusCancelled}:   true,
		{cases.StatusApproved, cases.StatusAwaitingPay}:       true,
		{cases.StatusAwaitingPay, cases.StatusCompleted}:      true,
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			if got, want := cases.CanMove(from, to), allowed[[2]cases.Status{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
	// The forbidden moves that matter most, named so a failure reads plainly.
	for _, m := range [][2]cases.Status{
		{cases.StatusCompleted, cases.StatusInReview},
		{cases.StatusReceived, cases.StatusApproved},
		{cases.StatusInReview, cases.StatusCancelled}, // too late to withdraw
		{cases.StatusSubmitted, cases.StatusReceived}, // the forward comes first (ApplyEvent fills it in)
		{cases.StatusInReview, cases.StatusInReview},
	} {
		if cases.CanMove(m[0], m[1]) {
			t.Errorf("CanMove(%s, %s) allowed", m[0], m[1])
		}
	}
	for _, to := range allStatuses {
		if cases.CanMove(cases.StatusCancelled, to) {
			t.Errorf("a cancelled case moved to %s", to)
		}
	}
	if cases.CanMove("", cases.StatusForwarded) || cases.CanMove("BOGUS", cases.StatusCompleted) {
		t.Error("an unknown status moved")
	}
}

func TestOpenAndCancellable(t *testing.T) {
	closed := map[cases.Status]bool{cases.StatusCompleted: true, cases.StatusRejected: true, cases.StatusCancelled: true}
	cancellable := map[cases.Status]bool{cases.StatusSubmitted: true, cases.StatusForwarded: true, cases.StatusReceived: true,
		cases.StatusAwaitingPay: true, cases.StatusPaymentExpired: true}
	for _, s := range allStatuses {
		if s.Open() == closed[s] {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
		if s.Cancellable() != cancellable[s] {
			t.Errorf("%s.Cancellable() = %v", s, s.Cancellable())
		}
		if s.Cancellable() && !s.Open() {
			t.Errorf("%s is closed but cancellable", s)
		}
	}
}

func TestStatusLabels(t *testing.T) {
	for _, s := range allStatuses {
		if !s.Valid() {
			t.Errorf("%s is not Valid", s)
		}
		if l := s.Label(); l.ID == "" || l.EN == "" || l.ID == l.EN {
			t.Errorf("%s label %+v: want distinct Indonesian and English", s, l)
		}
	}
	if cases.Status("BOGUS").Valid() || cases.Status("submitted").Valid() {
		t.Error("an unknown status is Valid")
	}
	if l := cases.Status("BOGUS").Label(); l.ID != "" || l.EN != "" {
		t.Errorf("unknown status label %+v", l)
	}
}

// TestAgencyStatuses: agencies report everything after the forward and
// nothing satupintu or the citizen decides.
func TestAgencyStatuses(t *testing.T) {
	want := map[cases.Status]bool{cases.StatusReceived: true, cases.StatusInReview: true, cases.StatusActionRequired: true,
		cases.StatusApproved: true, cases.StatusRejected: true, cases.StatusCompleted: true}
	if len(cases.AgencyStatuses) != len(want) {
		t.Fatalf("AgencyStatuses = %v", cases.AgencyStatuses)
	}
	for _, s := range cases.AgencyStatuses {
		if !want[s] {
			t.Errorf("agencies may report %s", s)
		}
	}
}
