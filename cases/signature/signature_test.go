package signature

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/satupintu/satupintu/api"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/memory"
)

var (
	now     = time.Date(2026, 3, 2, 2, 15, 0, 0, time.UTC)
	secret  = []byte("police-sandbox-secret")
	secret2 = []byte("police-sandbox-secret-next")
	body    = []byte(`{"eventId":"evt-1","sequence":1,"status":"RECEIVED","occurredAt":"2026-03-02T09:14:30+07:00"}`)
)

// fixed is a clock at now, moved by the test.
func fixed() *testkit.Clock { return testkit.NewClock(now) }

// newVerifier is a Verifier on c with an in-process replay guard on c.
func newVerifier(c *testkit.Clock) *Verifier {
	return NewVerifier(c.Now, memory.NewReplayGuard(1<<20, memory.WithNow(c.Now)))
}

// guardFunc is a function as a ReplayGuard.
type guardFunc func(ctx context.Context, key string, ttl time.Duration) (bool, error)

func (f guardFunc) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return f(ctx, key, ttl)
}

func TestRoundTrip(t *testing.T) {
	v := newVerifier(fixed())
	h := Sign(secret, now, body)
	if !strings.HasPrefix(h, fmt.Sprintf("t=%d,v1=", now.Unix())) || len(h) != len("t=1772417700,v1=")+64 {
		t.Fatalf("header %q is not t=<unix>,v1=<64 hex>", h)
	}
	if err := v.Verify(h, body, [][]byte{secret}); err != nil {
		t.Fatalf("a fresh signature was refused: %v", err)
	}
}

// The worked example of api/agency.yaml is what this package computes.
func TestWorkedExampleOfTheContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.AgencySpec)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Secret          string   `json:"secret"`
		Timestamp       int64    `json:"timestamp"`
		Body            string   `json:"body"`
		Header          string   `json:"header"`
		RotationSecrets []string `json:"rotationSecrets"`
		RotationHeader  string   `json:"rotationHeader"`
	}
	raw, _ := json.Marshal(doc.Extensions["x-signature-example"])
	if err := json.Unmarshal(raw, &ex); err != nil || ex.Header == "" {
		t.Fatalf("x-signature-example is missing or malformed: %s (%v)", raw, err)
	}
	at := time.Unix(ex.Timestamp, 0)
	if got := Sign([]byte(ex.Secret), at, []byte(ex.Body)); got != ex.Header {
		t.Errorf("Sign(example) = %s\nthe contract says  %s", got, ex.Header)
	}
	var rot [][]byte
	for _, s := range ex.RotationSecrets {
		rot = append(rot, []byte(s))
	}
	if got := SignAll(rot, at, []byte(ex.Body)); got != ex.RotationHeader {
		t.Errorf("SignAll(rotation example) = %s\nthe contract says       %s", got, ex.RotationHeader)
	}
	// The prose shows the same values a reader copies from.
	desc := doc.Info.Description
	for _, s := range []string{ex.Secret, fmt.Sprint(ex.Timestamp), ex.Body, "Satupintu-Signature: " + ex.Header, ex.RotationHeader} {
		if !strings.Contains(desc, s) {
			t.Errorf("info.description does not show %q", s)
		}
	}
	if !strings.Contains(desc, fmt.Sprintf("exactly these %d bytes", len(ex.Body))) {
		t.Errorf("info.description does not give the body's length, %d bytes", len(ex.Body))
	}
	// The webhook's example header is the worked example, over its example body.
	op := doc.Paths.Value("/agency/v1/cases/{caseId}/events").Post
	if got := op.Parameters.GetByInAndName("header", Header).Example; got != ex.Header {
		t.Errorf("webhook Satupintu-Signature example = %v, want the worked example", got)
	}
	var exBody map[string]any
	_ = json.Unmarshal([]byte(ex.Body), &exBody)
	if got := op.RequestBody.Value.Content.Get("application/json").Examples["inReview"].Value.Value; !reflect.DeepEqual(got, exBody) {
		t.Errorf("webhook example body %v differs from the worked example's %v", got, exBody)
	}
	if err := newVerifier(testkit.NewClock(at.Add(time.Minute))).Verify(ex.Header, []byte(ex.Body), [][]byte{[]byte(ex.Secret)}); err != nil {
		t.Errorf("the worked example does not verify: %v", err)
	}
}

// The forward example's signature (the shared Satupintu-Signature parameter)
// is real too.
func TestForwardExampleSignature(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.AgencySpec)
	if err != nil {
		t.Fatal(err)
	}
	const compact = `{"caseId":"07-kq3vx7hm2npw5rtz4ybdcfgj6e","serviceId":"skck-application","submittedAt":"2026-03-02T08:41:07+07:00","citizen":{"nik":"3174011505800001","name":"BUDI SANTOSO"},"fields":{"policeLevel":"POLRES","purpose":"Melamar pekerjaan di PT Sinar Jaya Abadi"},"callbackUrl":"http://localhost:8080/agency/v1/cases/07-kq3vx7hm2npw5rtz4ybdcfgj6e/events"}`
	var want map[string]any
	_ = json.Unmarshal([]byte(compact), &want)
	op := doc.Paths.Value("/satupintu/v1/cases").Post
	if got := op.RequestBody.Value.Content.Get("application/json").Examples["skck"].Value.Value; !reflect.DeepEqual(got, want) {
		t.Fatalf("the forward example changed; recompute its signature.\n got %v\nwant %v", got, want)
	}
	h := op.Parameters.GetByInAndName("header", Header).Example
	if got := Sign(secret, time.Unix(1772415668, 0), []byte(compact)); got != h {
		t.Errorf("forward example signature %v, computed %s", h, got)
	}
}

func TestTamperedBodyAndWrongSecret(t *testing.T) {
	v := newVerifier(fixed())
	h := Sign(secret, now, body)
	tampered := []byte(strings.Replace(string(body), "RECEIVED", "COMPLETED", 1))
	if err := v.Verify(h, tampered, [][]byte{secret}); !errors.Is(err, ErrMismatch) {
		t.Errorf("tampered body: %v, want ErrMismatch", err)
	}
	if err := v.Verify(h, body, [][]byte{[]byte("another-agency-secret")}); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong secret: %v, want ErrMismatch", err)
	}
	if err := v.Verify(h, body, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("no secrets: %v, want ErrMismatch", err)
	}
	// A failed verification is not remembered: the genuine request still passes.
	if err := v.Verify(h, body, [][]byte{secret}); err != nil {
		t.Errorf("genuine request after failed ones: %v", err)
	}
}

// An empty secret (a missing configuration) never verifies, even a header
// signed with the empty key.
func TestEmptySecretNeverMatches(t *testing.T) {
	v := newVerifier(fixed())
	if err := v.Verify(Sign(nil, now, body), body, [][]byte{{}, nil}); !errors.Is(err, ErrMismatch) {
		t.Errorf("empty secret: %v, want ErrMismatch", err)
	}
}

func TestRotation(t *testing.T) {
	both := [][]byte{secret, secret2}
	t.Run("receiver holds two secrets, sender signs with either", func(t *testing.T) {
		v := newVerifier(fixed())
		if err := v.Verify(Sign(secret, now, body), body, both); err != nil {
			t.Errorf("old secret: %v", err)
		}
		if err := v.Verify(Sign(secret2, now, body), body, both); err != nil {
			t.Errorf("new secret: %v", err)
		}
	})
	t.Run("sender signs with two, receiver holds either", func(t *testing.T) {
		h := SignAll(both, now, body)
		if n := strings.Count(h, ",v1="); n != 2 {
			t.Fatalf("SignAll gave %d v1 values: %s", n, h)
		}
		if err := newVerifier(fixed()).Verify(h, body, [][]byte{secret}); err != nil {
			t.Errorf("receiver with the old secret: %v", err)
		}
		if err := newVerifier(fixed()).Verify(h, body, [][]byte{secret2}); err != nil {
			t.Errorf("receiver with the new secret: %v", err)
		}
	})
	t.Run("several v1, the matching one last", func(t *testing.T) {
		other := Sign([]byte("retired-secret"), now, body)
		h := other + ",v1=" + strings.TrimPrefix(Sign(secret, now, body), fmt.Sprintf("t=%d,v1=", now.Unix()))
		if err := newVerifier(fixed()).Verify(h, body, [][]byte{secret}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	})
	t.Run("the same v1 twice is one signature", func(t *testing.T) {
		v := newVerifier(fixed())
		h := Sign(secret, now, body)
		twice := h + h[strings.Index(h, ","):]
		if err := v.Verify(twice, body, [][]byte{secret}); err != nil {
			t.Errorf("%s: %v", twice, err)
		}
		if err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrReplayed) {
			t.Errorf("then the single v1: %v, want ErrReplayed", err)
		}
	})
	t.Run("spaces and unknown schemes are tolerated", func(t *testing.T) {
		h := strings.ReplaceAll(Sign(secret, now, body), ",", " , ") + ",v0=legacy"
		if err := newVerifier(fixed()).Verify(h, body, [][]byte{secret}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	})
}

func TestMalformedHeaders(t *testing.T) {
	good := Sign(secret, now, body)
	v1 := good[strings.Index(good, "v1="):]
	for name, h := range map[string]string{
		"missing t":           v1,
		"non-numeric t":       "t=soon," + v1,
		"negative t":          "t=-1772417700," + v1,
		"exponent t":          "t=1.7e9," + v1,
		"empty t":             "t=," + v1,
		"two t":               fmt.Sprintf("t=%d,t=%d,%s", now.Unix(), now.Unix(), v1),
		"no v1":               fmt.Sprintf("t=%d", now.Unix()),
		"only other schemes":  fmt.Sprintf("t=%d,v0=abc", now.Unix()),
		"v1 not hex":          fmt.Sprintf("t=%d,v1=%s", now.Unix(), strings.Repeat("zz", 32)),
		"v1 short":            fmt.Sprintf("t=%d,v1=abcd", now.Unix()),
		"part without =":      good + ",garbage",
		"garbage":             "garbage",
		"bearer token":        "Bearer eyJhbGciOi",
		"too many v1":         fmt.Sprintf("t=%d", now.Unix()) + strings.Repeat(","+v1, 9),
		"longer than 2048":    good + ",x=" + strings.Repeat("a", 2048),
		"json instead of kvs": `{"t":1772417700}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := newVerifier(fixed()).Verify(h, body, [][]byte{secret})
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify(%.60q) = %v, want ErrMalformed", h, err)
			}
		})
	}
	for _, h := range []string{"", "   "} {
		if err := newVerifier(fixed()).Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrMissing) {
			t.Errorf("Verify(%q) = %v, want ErrMissing", h, err)
		}
	}
}

func TestStale(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signed time.Time
		ok     bool
	}{
		{"5m old, at the edge", now.Add(-Tolerance), true},
		{"5m ahead, at the edge", now.Add(Tolerance), true},
		{"5m1s old", now.Add(-Tolerance - time.Second), false},
		{"5m1s ahead", now.Add(Tolerance + time.Second), false},
		{"a day old", now.Add(-24 * time.Hour), false},
		{"epoch", time.Unix(0, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := newVerifier(fixed()).Verify(Sign(secret, tc.signed, body), body, [][]byte{secret})
			if tc.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrStale) {
				t.Errorf("got %v, want ErrStale", err)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	c := fixed()
	v := newVerifier(c)
	h := Sign(secret, now, body)
	if err := v.Verify(h, body, [][]byte{secret}); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrReplayed) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}
	// The same body signed anew (another second) is a new delivery.
	c.Advance(time.Second)
	if err := v.Verify(Sign(secret, c.Now(), body), body, [][]byte{secret}); err != nil {
		t.Errorf("a fresh signature of the same body: %v", err)
	}
	// Still refused until it could no longer pass the timestamp check, then stale.
	c.Advance(Tolerance - time.Second)
	if err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay at the edge of the window: %v, want ErrReplayed", err)
	}
	c.Advance(time.Second)
	if err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrStale) {
		t.Errorf("replay after the window: %v, want ErrStale", err)
	}
}

// Taking one v1 off a rotation header does not make a new signature.
func TestReplayWithoutOneV1(t *testing.T) {
	v := newVerifier(fixed())
	both := [][]byte{secret, secret2}
	h := SignAll(both, now, body)
	if err := v.Verify(h, body, both); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, ",")
	for _, stripped := range []string{parts[0] + "," + parts[1], parts[0] + "," + parts[2], parts[0] + "," + parts[2] + "," + parts[1]} {
		if err := v.Verify(stripped, body, both); !errors.Is(err, ErrReplayed) {
			t.Errorf("%s: %v, want ErrReplayed", stripped, err)
		}
	}
}

// A full cache never forgets the signature it is asked about.
func TestFullCacheStillRefusesTheReplay(t *testing.T) {
	c := fixed()
	v := NewVerifier(c.Now, memory.NewReplayGuard(1, memory.WithNow(c.Now)))
	h := Sign(secret, now, body)
	if err := v.Verify(h, body, [][]byte{secret}); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay with a full cache: %v, want ErrReplayed", err)
	}
}

// A shared store: two verifiers (two instances) refuse each other's replays,
// and a store that fails refuses the request (fail closed).
func TestReplayStore(t *testing.T) {
	var mu sync.Mutex
	shared := map[string]time.Duration{}
	store := guardFunc(func(_ context.Context, key string, ttl time.Duration) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := shared[key]; ok {
			return false, nil
		}
		shared[key] = ttl
		return true, nil
	})
	a := NewVerifier(fixed().Now, store)
	b := NewVerifier(fixed().Now, store)
	signed := now.Add(-time.Minute)
	h := Sign(secret, signed, body)
	if err := a.Verify(h, body, [][]byte{secret}); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay on the other instance: %v, want ErrReplayed", err)
	}
	key := fmt.Sprintf("sig:%d:%s", signed.Unix(), h[strings.Index(h, "v1=")+3:])
	if ttl, want := shared[key], Tolerance-time.Minute+time.Second; ttl != want {
		t.Errorf("store got ttl %v for %s, want the rest of the window, %s", ttl, key, want)
	}

	failing := NewVerifier(fixed().Now, guardFunc(func(context.Context, string, time.Duration) (bool, error) {
		return false, errors.New("redis: connection refused")
	}))
	err := failing.Verify(Sign(secret, now, body), body, [][]byte{secret})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("failing store: %v, want ErrUnavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), "redis") {
		t.Errorf("the store's failure is told to the sender: %v", err)
	}
	// Bad signatures never reach the store.
	var calls atomic.Int32
	counted := NewVerifier(fixed().Now, guardFunc(func(context.Context, string, time.Duration) (bool, error) {
		calls.Add(1)
		return true, nil
	}))
	_ = counted.Verify(Sign([]byte("wrong"), now, body), body, [][]byte{secret})
	_ = counted.Verify(Sign(secret, now.Add(-time.Hour), body), body, [][]byte{secret})
	if calls.Load() != 0 {
		t.Errorf("the store was asked %d times about refused signatures", calls.Load())
	}
}

// Many goroutines verify at once; each signature passes exactly once.
func TestConcurrentVerify(t *testing.T) {
	c := fixed()
	v := NewVerifier(c.Now, memory.NewReplayGuard(1<<12, memory.WithNow(c.Now)))
	const distinct, tries = 64, 8
	headers := make([]string, distinct)
	bodies := make([][]byte, distinct)
	for i := range distinct {
		bodies[i] = fmt.Appendf(nil, `{"eventId":"evt-%d"}`, i)
		headers[i] = Sign(secret, now, bodies[i])
	}
	var passed, replayed atomic.Int32
	var wg sync.WaitGroup
	for range tries {
		for i := range distinct {
			wg.Go(func() {
				err := v.Verify(headers[i], bodies[i], [][]byte{secret2, secret})
				switch {
				case err == nil:
					passed.Add(1)
				case errors.Is(err, ErrReplayed):
					replayed.Add(1)
				default:
					t.Errorf("unexpected: %v", err)
				}
			})
		}
	}
	wg.Wait()
	if passed.Load() != distinct || replayed.Load() != distinct*(tries-1) {
		t.Errorf("%d passed and %d replayed, want %d and %d", passed.Load(), replayed.Load(), distinct, distinct*(tries-1))
	}
}

func BenchmarkVerify(b *testing.B) {
	payload := []byte(strings.Repeat("x", 512))
	secrets := [][]byte{secret2, secret}
	b.Run("signature only", func(b *testing.B) {
		v := NewVerifier(fixed().Now, guardFunc(func(context.Context, string, time.Duration) (bool, error) { return true, nil }))
		h := Sign(secret, now, payload)
		b.ReportAllocs()
		for b.Loop() {
			if err := v.Verify(h, payload, secrets); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with replay cache", func(b *testing.B) {
		c := fixed()
		v := NewVerifier(c.Now, memory.NewReplayGuard(1<<16, memory.WithNow(c.Now)))
		// Distinct signatures, made ahead: one per second within the window
		// for a ring of bodies.
		const n = 1 << 14
		hs := make([]string, n)
		bodies := make([][]byte, n)
		for i := range n {
			bodies[i] = fmt.Appendf(nil, "%d%s", i, payload)
			hs[i] = Sign(secret, now, bodies[i])
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i == n { // every signature used: move on a window, sign the ring anew
				b.StopTimer()
				c.Advance(Tolerance + time.Second)
				for j := range n {
					hs[j] = Sign(secret, c.Now(), bodies[j])
				}
				i = 0
				b.StartTimer()
			}
			if err := v.Verify(hs[i], bodies[i], secrets); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
