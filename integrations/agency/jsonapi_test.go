package agency

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	sp "github.com/satupintu/satupintu"
)

// ReadJSON is the whole read of a JSON agency: each outcome of the answer,
// read twice to see what the cache kept.
func TestReadJSON(t *testing.T) {
	wrongNIK := errors.New("not the citizen asked")
	conv := func(w struct{ NIK, Name string }, asked sp.NIK) (*person, error) {
		switch {
		case w.Name == "refused":
			return nil, sp.Errorf(sp.CodeForbidden, "not yours")
		case w.NIK != string(asked):
			return nil, wrongNIK
		}
		return &person{NIK: asked, Name: w.Name}, nil
	}
	cases := []struct {
		name     string
		nik      sp.NIK
		status   int
		body     string
		notFound func() error
		want     *person
		code     sp.ErrorCode // "" for no error
		calls    int          // after two reads
	}{
		{name: "found", status: 200, body: `{"NIK":"` + testNIK + `","Name":"Budi"}`,
			want: &person{NIK: testNIK, Name: "Budi"}, calls: 1},
		{name: "unknown citizen, cached", status: 404, body: `{"error":{"code":"NOT_FOUND"}}`, calls: 1},
		{name: "404 the adapter refuses, not cached", status: 404, body: `{"error":{"code":"NOT_FOUND"}}`,
			notFound: func() error { return sp.Errorf(sp.CodeForbidden, "no such card") }, code: sp.CodeForbidden, calls: 2},
		{name: "about another citizen", status: 200, body: `{"NIK":"` + string(otherNIK) + `","Name":"Dewi"}`,
			code: sp.CodeAgencyBadResponse, calls: 2},
		{name: "the adapter's own refusal", status: 200, body: `{"NIK":"` + testNIK + `","Name":"refused"}`,
			code: sp.CodeForbidden, calls: 2},
		{name: "malformed", status: 200, body: `{"NIK":`, code: sp.CodeAgencyBadResponse, calls: 2},
		{name: "invalid NIK", nik: "12345", code: sp.CodeInvalidInput, calls: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
				keys = append(keys, r.Header.Get("X-Api-Key"))
				return answer(r, tc.status, tc.body), nil
			}}
			c := newTestClient(t, readConfig(), Options{Transport: f.transport(), Cache: newMapCache(),
				CacheKey: []byte("0123456789abcdef0123456789abcdef"), CacheTimeout: testCacheTimeout})
			api := NewJSONAPI(c, JSONConfig{APIKey: "k-1"})
			nik := sp.NIK(testNIK)
			if tc.nik != "" {
				nik = tc.nik
			}
			r := JSONRead{Citizen: nik, Kind: "person", Path: "/people/" + string(nik), What: "person record", NotFound: tc.notFound}
			for range 2 {
				got, err := ReadJSON(context.Background(), api, r, conv)
				switch {
				case tc.code == "" && err != nil:
					t.Fatalf("error %v; want none", err)
				case tc.code != "" && sp.ErrorCodeOf(err) != tc.code:
					t.Fatalf("error %v; want code %s", err, tc.code)
				case (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want:
					t.Fatalf("read %+v; want %+v", got, tc.want)
				}
			}
			if f.count() != tc.calls {
				t.Errorf("%d calls after two reads; want %d", f.count(), tc.calls)
			}
			for _, k := range keys {
				if k != "k-1" {
					t.Errorf("X-Api-Key %q; want the configured key", k)
				}
			}
		})
	}
}

// A bad answer is reported to clients by what it is; the adapter's detail
// is the cause, for the logs.
func TestReadJSONBadResponseNamesTheDocument(t *testing.T) {
	f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) { return answer(r, 200, `{}`), nil }}
	api := NewJSONAPI(newTestClient(t, testConfig(), Options{Transport: f.transport()}), JSONConfig{APIKey: "k"})
	detail := errors.New("decile must be 1 to 10")
	_, err := ReadJSON(context.Background(), api, JSONRead{Citizen: testNIK, Kind: "k", Path: "/x", What: "register entry"},
		func(struct{}, sp.NIK) (int, error) { return 0, detail })
	e := wantCode(t, err, sp.CodeAgencyBadResponse)
	if !strings.Contains(e.Message, "register entry") || strings.Contains(e.Message, detail.Error()) || !errors.Is(err, detail) {
		t.Errorf("message %q, cause %v; want the document named and the detail only as the cause", e.Message, e.Err)
	}
}

func TestJSONConfigNeedsAKey(t *testing.T) {
	for _, key := range []string{"", "  "} {
		if err := (JSONConfig{APIKey: key}).Validate(); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
	if err := (JSONConfig{APIKey: "k"}).Validate(); err != nil {
		t.Errorf("a key refused: %v", err)
	}
}
