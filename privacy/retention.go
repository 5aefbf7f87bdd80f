package privacy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Period is a retention period in calendar units, so that "5 years" is
// five years whatever the leap days.
type Period struct{ Years, Months, Days int }

var periodPattern = regexp.MustCompile(`^(?:(\d{1,3})y)?(?:(\d{1,4})mo)?(?:(\d{1,5})d)?$`)

// ParsePeriod reads years, months and days, in that order, each optional
// but not all: "5y", "18mo", "90d", "1y6mo".
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil || s == "" {
		return Period{}, fmt.Errorf("must be years, months and days such as 5y, 18mo, 90d or 1y6mo")
	}
	n := func(v string) int { i, _ := strconv.Atoi(v); return i }
	return Period{Years: n(m[1]), Months: n(m[2]), Days: n(m[3])}, nil
}

// String writes p as ParsePeriod reads it.
func (p Period) String() string {
	s := ""
	if p.Years > 0 {
		s += strconv.Itoa(p.Years) + "y"
	}
	if p.Months > 0 {
		s += strconv.Itoa(p.Months) + "mo"
	}
	if p.Days > 0 || s == "" {
		s += strconv.Itoa(p.Days) + "d"
	}
	return s
}

// Text says p for the citizen.
func (p Period) Text() sp.Text {
	var t sp.Text
	add := func(n int, id, en string) {
		if n == 0 {
			return
		}
		if t.ID != "" {
			t.ID, t.EN = t.ID+" ", t.EN+" "
		}
		t.ID += strconv.Itoa(n) + " " + id
		t.EN += strconv.Itoa(n) + " " + en
		if n > 1 {
			t.EN += "s"
		}
	}
	add(p.Years, "tahun", "year")
	add(p.Months, "bulan", "month")
	add(p.Days, "hari", "day")
	return t
}

// Before is the instant p before now: what is older goes.
func (p Period) Before(now time.Time) time.Time { return now.AddDate(-p.Years, -p.Months, -p.Days) }

// atLeast reports whether p is at least q, measured from a fixed day.
func (p Period) atLeast(q Period) bool {
	ref := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	return !p.Before(ref).After(q.Before(ref))
}

// Retention is how long satupintu keeps what it holds about a citizen
// before the daily retention job erases it.
type Retention struct {
	// AccessLog: entries are kept at least this long, and dropped in whole
	// months (one month more at most).
	AccessLog Period
	// Inbox: notifications older than this are erased.
	Inbox Period
	// ClosedCases: a case completed, rejected or cancelled is erased this
	// long after its last change; open cases are kept.
	ClosedCases Period
}

// DefaultRetention are the settings when none are given.
func DefaultRetention() Retention {
	return Retention{AccessLog: Period{Years: 5}, Inbox: Period{Years: 1}, ClosedCases: Period{Years: 2}}
}

// Validate reports every setting out of bounds: the access log is kept at
// least a year (a citizen must be able to see who read their data over
// the year they may ask about), the rest at least a day.
func (r Retention) Validate() error {
	var errs []error
	if !r.AccessLog.atLeast(Period{Years: 1}) {
		errs = append(errs, fmt.Errorf("the access log must be kept at least 1y, got %s", r.AccessLog))
	}
	if !r.Inbox.atLeast(Period{Days: 1}) {
		errs = append(errs, fmt.Errorf("the inbox must be kept at least 1d, got %s", r.Inbox))
	}
	if !r.ClosedCases.atLeast(Period{Days: 1}) {
		errs = append(errs, fmt.Errorf("closed cases must be kept at least 1d, got %s", r.ClosedCases))
	}
	return errors.Join(errs...)
}

// Kept says, for the citizen, what satupintu must keep of their data and
// for how long: what deleteMyData cannot erase, and what the export notes.
func (r Retention) Kept() []sp.Text {
	logFor, casesFor := r.AccessLog.Text(), r.ClosedCases.Text()
	return []sp.Text{
		{ID: "Permohonan yang masih diproses, sampai selesai; setelah selesai, " + casesFor.ID +
			" sejak perubahan terakhirnya, sebagai catatan pelayanan publik (UU 25/2009 tentang Pelayanan Publik).",
			EN: "Applications still in progress, until they end; once ended, " + casesFor.EN +
				" after their last change, as the record of a public service (Law 25/2009 on Public Services)."},
		{ID: "Catatan akses ke data Anda (siapa, kapan, untuk apa; tanpa isi datanya), " + logFor.ID +
			", agar Anda dan pengawas dapat memeriksa pemrosesan data Anda (UU 27/2022 tentang Pelindungan Data Pribadi).",
			EN: "The log of accesses to your data (who, when, why; never the data itself), " + logFor.EN +
				", so that you and the supervisory authority can check how your data was processed (Law 27/2022 on Personal Data Protection)."},
		{ID: "Persetujuan yang pernah Anda berikan atau tarik, " + logFor.ID + " sejak berakhir, sebagai bukti (UU 27/2022).",
			EN: "The consents you gave or withdrew, " + logFor.EN + " after they ended, as proof (Law 27/2022)."},
	}
}

// The ports the retention job erases through; each engine has them.
type (
	// InboxPurger erases notifications created before a time.
	InboxPurger interface {
		PurgeBefore(ctx context.Context, before time.Time) (int, error)
	}
	// ClosedCasePurger erases cases closed (completed, rejected,
	// cancelled) whose last change is before a time.
	ClosedCasePurger interface {
		PurgeClosedBefore(ctx context.Context, before time.Time) (int, error)
	}
	// ConsentPurger erases consents that ended (expired or withdrawn)
	// before a time.
	ConsentPurger interface {
		PurgeEndedBefore(ctx context.Context, before time.Time) (int, error)
	}
	// ExportPurger erases exports expired before a time.
	ExportPurger interface {
		PurgeExpiredBefore(ctx context.Context, before time.Time) (int, error)
	}
)

// RetentionJobKey is the key of the one retention job: unique, so every
// instance enqueues it at start and one runs it.
const RetentionJobKey = "daily"

// RetentionJob enforces the retention settings, once a day: a job of kind
// queue.Retention that comes back the next day (a snooze). The access log
// loses whole months (PostgreSQL drops their partitions: a DROP, not a
// DELETE) and gets its next months made ahead.
type RetentionJob struct {
	Settings Retention
	Log      Retainer
	Inbox    InboxPurger      // nil: the engine keeps no inbox to purge
	Cases    ClosedCasePurger // nil: not enforced by this engine (logged at start)
	Consents ConsentPurger
	Exports  ExportPurger
	Every    time.Duration // between two runs: a day
	Now      func() time.Time
	Logger   *slog.Logger
}

// Validate reports what the job lacks.
func (j *RetentionJob) Validate() error {
	var errs []error
	if j.Log == nil || j.Consents == nil || j.Exports == nil {
		errs = append(errs, errors.New("retention: Log, Consents and Exports are required"))
	}
	if j.Every <= 0 {
		errs = append(errs, fmt.Errorf("retention: Every must be positive, got %s", j.Every))
	}
	return errors.Join(append(errs, j.Settings.Validate())...)
}

// Job is the job that starts the daily runs.
func (j *RetentionJob) Job() queue.NewJob {
	return queue.NewJob{Kind: queue.Retention, Key: RetentionJobKey, Unique: true}
}

// MonthsAhead is how many months past the current one the access log has
// ready: a day's run keeps entries from ever waiting for a partition.
const MonthsAhead = 2

// Handle runs the retention once and comes back after Every.
func (j *RetentionJob) Handle(ctx context.Context, job queue.Job) queue.Result {
	now := j.now()
	s := j.Settings
	if err := j.Log.Prepare(ctx, now, now.AddDate(0, MonthsAhead, 0)); err != nil {
		return j.retry(job, now, "making the access log's next months", err)
	}
	type step struct {
		what string
		run  func() (int, error)
	}
	steps := []step{
		{"access log entries", func() (int, error) { return j.Log.DropBefore(ctx, s.AccessLog.Before(now)) }},
		{"consents", func() (int, error) { return j.Consents.PurgeEndedBefore(ctx, s.AccessLog.Before(now)) }},
		{"data exports", func() (int, error) { return j.Exports.PurgeExpiredBefore(ctx, now) }},
	}
	if j.Inbox != nil {
		steps = append(steps, step{"notifications", func() (int, error) { return j.Inbox.PurgeBefore(ctx, s.Inbox.Before(now)) }})
	}
	if j.Cases != nil {
		steps = append(steps, step{"closed cases", func() (int, error) { return j.Cases.PurgeClosedBefore(ctx, s.ClosedCases.Before(now)) }})
	}
	for _, st := range steps {
		n, err := st.run()
		if err != nil {
			return j.retry(job, now, "erasing "+st.what, err)
		}
		if n != 0 {
			j.log().InfoContext(ctx, "retention erased", "what", st.what, "count", n)
		}
	}
	return queue.Snooze(now.Add(j.Every))
}

func (j *RetentionJob) retry(job queue.Job, now time.Time, what string, err error) queue.Result {
	j.log().Error("retention run failed; will retry", "step", what, "attempt", job.Attempt, "error", err)
	return queue.RetryAt(now.Add(backoff.Wait(job.Attempt, time.Minute, time.Hour, 0)), what+": "+err.Error())
}

func (j *RetentionJob) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *RetentionJob) log() *slog.Logger {
	if j.Logger != nil {
		return j.Logger
	}
	return slog.New(slog.DiscardHandler)
}
