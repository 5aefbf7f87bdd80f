package redis_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/redis"
)

const nik sp.NIK = "3174015708900001"

// pseudonym is the citizen's name in keys, computed independently of the
// engine: hex(HMAC-SHA256(secret, NIK)[:16]), and its shard.
func pseudonym(n sp.NIK) (string, int) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(n))
	sum := m.Sum(nil)[:16]
	return hex.EncodeToString(sum), int(sum[0]) % 16
}

func TestKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 0)
	ctx := context.Background()
	s, q := newCaseStore(t, c, "satupintu:")
	at := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	in := &cases.Case{Citizen: nik, ServiceID: "kip", Agency: sp.AgencyEducation, Status: cases.StatusSubmitted,
		CreatedAt: at, IdempotencyKey: "key-0001", SingleOpen: true,
		History: []cases.Entry{{At: at, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}}
	created, _, err := s.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	name, shard := pseudonym(nik)
	tag := fmt.Sprintf("{satupintu:s%02d}", shard)
	if !regexp.MustCompile(fmt.Sprintf(`^%02d-[a-z2-7]{26}$`, shard)).MatchString(created.ID) {
		t.Errorf("case id %q; want %02d- and 26 base32 characters", created.ID, shard)
	}
	idem := sha256.Sum256([]byte("key-0001"))
	want := []string{
		tag + "case:" + created.ID,
		tag + "idem:" + name + ":" + hex.EncodeToString(idem[:]),
		tag + "cases:" + name,
		tag + "cases:" + name + ":SUBMITTED",
		tag + "open:" + name + ":kip",
		tag + "open-agency:education",
		tag + "q:forwards",
		tag + "q:forwards:unique",
	}
	wantKeys(t, mr.Keys(), want)
	if id, _ := mr.Get(want[1]); id != created.ID {
		t.Errorf("idempotency key holds %q; want %s", id, created.ID)
	}
	if id, _ := mr.Get(want[4]); id != created.ID {
		t.Errorf("single-open slot holds %q; want %s", id, created.ID)
	}

	// Update: the change job goes to the case's shard; closing clears the
	// open indexes.
	if _, err := s.Update(ctx, created.ID, func(c *cases.Case) error {
		c.Status = cases.StatusCancelled
		c.History = append(c.History, cases.Entry{At: at, Status: cases.StatusCancelled, Source: cases.SourceCitizen})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want = []string{want[0], want[1], want[2], tag + "cases:" + name + ":CANCELLED", tag + "q:forwards", tag + "q:forwards:unique",
		tag + "q:changes"}
	wantKeys(t, mr.Keys(), want)

	// A job whose key is not a case's lands in the shard its key hashes
	// to, and comes back from there.
	if err := q.Enqueue(ctx, queue.NewJob{Kind: queue.Poll, Key: "education", Unique: true}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("education"))
	other := fmt.Sprintf("{satupintu:s%02d}", int(sum[0])%16)
	wantKeys(t, mr.Keys(), append(want, other+"q:polls", other+"q:polls:unique"))
	if n, err := q.Depth(ctx, queue.Poll); err != nil || n != 1 {
		t.Errorf("polls pending %d, %v; want 1", n, err)
	}
}

// wantKeys wants exactly these keys, none naming a citizen.
func wantKeys(t *testing.T, got, want []string) {
	t.Helper()
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("keys:\n%s\nwant:\n%s", strings.Join(sorted(got), "\n"), strings.Join(sorted(want), "\n"))
	}
	for _, k := range got {
		if strings.Contains(k, string(nik)) {
			t.Errorf("key %q holds the NIK", k)
		}
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestConstructorsCheckArguments(t *testing.T) {
	_, c := connectMini(t, 0)
	jobs := newQueue(t, c, "p:")
	if _, err := redis.NewCaseStore(c, "a{b}:", secret, jobs); err == nil {
		t.Error("NewCaseStore with braces in the prefix succeeded")
	}
	if _, err := redis.NewCaseStore(c, "p:", []byte("short"), jobs); err == nil {
		t.Error("NewCaseStore with a 5-byte secret succeeded")
	}
	if _, err := redis.NewCaseStore(c, "other:", secret, jobs); err == nil {
		t.Error("NewCaseStore with a queue of another prefix succeeded")
	}
	if _, err := redis.NewBroker(c, "p:", nil); err == nil {
		t.Error("NewBroker without a secret succeeded")
	}
	if _, err := redis.NewQueue(c, "a{b}:", redis.QueueOptions{Visibility: time.Minute}); err == nil {
		t.Error("NewQueue with braces in the prefix succeeded")
	}
	if _, err := redis.NewQueue(c, "p:", redis.QueueOptions{}); err == nil {
		t.Error("NewQueue with no visibility timeout succeeded")
	}
}

// TestDeploymentsKeepApart: two prefixes on one Redis share nothing, and
// one deployment's case id is unknown to the other.
func TestDeploymentsKeepApart(t *testing.T) {
	_, c := connectMini(t, 0)
	ctx := context.Background()
	a, aJobs := newCaseStore(t, c, "a:")
	b, _ := newCaseStore(t, c, "b:")
	in := &cases.Case{Citizen: nik, ServiceID: "skck", Status: cases.StatusSubmitted, IdempotencyKey: "key-0001"}
	ca, _, err := a.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	cb, created, err := b.Create(ctx, in)
	if err != nil || !created || cb.ID == ca.ID {
		t.Fatalf("Create in b = %v, created %v, %v; want a case of its own", cb, created, err)
	}
	if _, err := b.Get(ctx, ca.ID); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("b.Get(a's case) = %v; want ErrNotFound", err)
	}
	if n, _ := aJobs.Depth(ctx, queue.Forward); n != 1 {
		t.Errorf("a's forwards depth %d; want 1", n)
	}
}
