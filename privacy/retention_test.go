package privacy_test

import (
	"context"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
)

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]privacy.Period{"5y": {Years: 5}, "18mo": {Months: 18}, "90d": {Days: 90}, "1y6mo": {Years: 1, Months: 6},
		"1y2mo3d": {1, 2, 3}} {
		got, err := privacy.ParsePeriod(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParsePeriod(%q) = %+v, %v (%s); want %+v", in, got, err, got.String(), want)
		}
	}
	for _, bad := range []string{"", "5", "5m", "1mo1y", "-1y", "5 y", "1y1y"} {
		if _, err := privacy.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if got := (privacy.Period{Years: 5}).Text(); got.ID != "5 tahun" || got.EN != "5 years" {
		t.Errorf("5y for the citizen: %+v", got)
	}
}

func TestRetentionValidate(t *testing.T) {
	if err := privacy.DefaultRetention().Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
	r := privacy.DefaultRetention()
	r.AccessLog, r.Inbox = privacy.Period{Months: 11}, privacy.Period{}
	if err := r.Validate(); err == nil {
		t.Error("an access log kept 11 months and an inbox kept not at all were accepted")
	}
}

// One run erases what is past its time, keeps the rest and the open
// cases, makes the log's next months, and comes back a day later.
func TestRetentionJob(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2031, 6, 15, 12, 0, 0, 0, time.UTC)
	nik := sp.NIK("3174015708900001")
	log, inbox, consents, exports := memory.NewAccessLog(), memory.NewInbox(), memory.NewConsents(), memory.NewExports()
	jobs := memory.NewQueue(time.Minute, func() time.Time { return now })
	store := memory.NewCaseStore(jobs)
	old := read("old", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC))    // its month ended more than 5 years ago
	kept := read("kept", time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC))  // its month has not ended 5 years ago
	fresh := read("fresh", time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)) // this month
	if err := log.Record(ctx, old, kept, fresh); err != nil {
		t.Fatal(err)
	}
	for id, at := range map[string]time.Time{"n-old": now.AddDate(-1, 0, -1), "n-new": now.AddDate(0, -11, 0)} {
		if _, err := inbox.Add(ctx, notifications.Notification{ID: id, Citizen: nik, CaseID: "c", Status: "COMPLETED", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	closedLongAgo := &cases.Case{Citizen: nik, ServiceID: "skck-application", Agency: sp.AgencyPolice, Status: cases.StatusCompleted,
		CreatedAt: now.AddDate(-3, 0, 0), UpdatedAt: now.AddDate(-2, 0, -1), IdempotencyKey: "k-closed-1"}
	openLongAgo := &cases.Case{Citizen: nik, ServiceID: "lost-item", Agency: sp.AgencyPolice, Status: cases.StatusInReview,
		CreatedAt: now.AddDate(-3, 0, 0), UpdatedAt: now.AddDate(-3, 0, 0), IdempotencyKey: "k-open-01"}
	c1, _, err := store.Create(ctx, closedLongAgo)
	if err != nil {
		t.Fatal(err)
	}
	c2, _, _ := store.Create(ctx, openLongAgo)
	withdrawn, _ := consents.Grant(ctx, privacy.Consent{Subject: nik, Recipient: "bank", Purpose: "KPR",
		Categories: []privacy.Category{privacy.CategoryFinance}, GrantedAt: now.AddDate(-7, 0, 0)})
	_, _ = consents.Withdraw(ctx, nik, withdrawn.ID, now.AddDate(-6, 0, 0))
	_ = exports.Create(ctx, privacy.Export{ID: "x", Subject: nik, RequestedAt: now.AddDate(0, 0, -3)})
	_ = exports.Complete(ctx, "x", []byte("doc"), privacy.NewToken(), now.AddDate(0, 0, -3), now.AddDate(0, 0, -2))

	job := &privacy.RetentionJob{Settings: privacy.DefaultRetention(), Log: log, Inbox: inbox, Cases: store, Consents: consents,
		Exports: exports, Every: 24 * time.Hour, Now: func() time.Time { return now }}
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	res := job.Handle(ctx, queue.Job{Kind: queue.Retention, Key: privacy.RetentionJobKey, Attempt: 1})
	if res.Outcome != queue.OutcomeSnooze || !res.At.Equal(now.Add(24*time.Hour)) {
		t.Errorf("the run: %+v; want to come back in a day", res)
	}
	page, _ := log.List(ctx, nik, privacy.LogQuery{})
	var ids []string
	for _, e := range page.Entries {
		ids = append(ids, e.ID)
	}
	if len(ids) != 2 || ids[0] != "fresh" || ids[1] != "kept" {
		t.Errorf("the log after the run: %v; want fresh and kept", ids)
	}
	if p, _ := inbox.List(ctx, nik, notifications.ListQuery{}); p.Total != 1 || p.Items[0].ID != "n-new" {
		t.Errorf("the inbox after the run: %+v", p.Items)
	}
	if _, err := store.Get(ctx, c1.ID); err == nil {
		t.Error("a case closed over 2 years ago is still there")
	}
	if _, err := store.Get(ctx, c2.ID); err != nil {
		t.Errorf("an open case was erased: %v", err)
	}
	if list, _ := consents.List(ctx, nik); len(list) != 0 {
		t.Errorf("a consent withdrawn 6 years ago is still there: %+v", list)
	}
	if list, _ := exports.List(ctx, nik); len(list) != 0 {
		t.Errorf("an expired export is still there: %+v", list)
	}
	if got := job.Job(); got.Kind != queue.Retention || !got.Unique || got.Key != privacy.RetentionJobKey {
		t.Errorf("the job: %+v; want one unique daily job", got)
	}
}
