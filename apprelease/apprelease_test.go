package apprelease

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseVersions(t *testing.T) {
	got, err := ParseVersions(" satupintu-android:2.3.0 , satupintu-ios:v2.3 ,satupintu-web:1.0.0-rc.1")
	want := map[string]string{"satupintu-android": "2.3.0", "satupintu-ios": "v2.3", "satupintu-web": "1.0.0-rc.1"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v %v", got, err)
	}
	for _, bad := range []string{"satupintu-android", "satupintu-android:", ":2.3.0", "satupintu-android:two", "a b:1.0.0",
		"satupintu-android:2.3.0,satupintu-android:2.4.0"} {
		if _, err := ParseVersions(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseUpdateURLs(t *testing.T) {
	per, def, err := ParseUpdateURLs("https://satupintu.go.id/update, satupintu-android:https://play.google.com/store/apps/details?id=id.go.satupintu")
	if err != nil || def != "https://satupintu.go.id/update" ||
		per["satupintu-android"] != "https://play.google.com/store/apps/details?id=id.go.satupintu" || len(per) != 1 {
		t.Errorf("got %v %q %v", per, def, err)
	}
	for _, bad := range []string{"satupintu-android", "satupintu-android:ftp://x", "https://a.example,https://b.example",
		"satupintu-ios:/relative", "bad name:https://x.example"} {
		if _, _, err := ParseUpdateURLs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestReleaseOutdated(t *testing.T) {
	p := Policy{Minimum: map[string]string{"app": "2.3.0"}, Latest: map[string]string{"app": "2.5.0"}, DefaultUpdateURL: "https://u.example"}
	r := p.Release("app")
	if r.UpdateURL != "https://u.example" {
		t.Errorf("update URL %q", r.UpdateURL)
	}
	for v, outdated := range map[string]bool{"2.2.9": true, "2.3.0-rc.1": true, "": true, "garbage": true, "2.3.0": false, "2.3": false,
		"v2.10.0": false, "2.3.0+45": false, "3": false} {
		if got := r.Outdated(v); got != outdated {
			t.Errorf("Outdated(%q) = %v", v, got)
		}
	}
	if !r.UpdateAvailable("2.4.9") || r.UpdateAvailable("2.5.0") || r.UpdateAvailable("junk") {
		t.Error("UpdateAvailable")
	}
	if p.Release("other").Outdated("") || p.Release("other").UpdateURL != "" {
		t.Error("an app without a policy is held to it")
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := (Policy{Minimum: map[string]string{"app": "2.3.0"}}).Validate(); err == nil || !strings.Contains(err.Error(), "no update URL") {
		t.Errorf("a minimum without an update URL: %v", err)
	}
	if err := (Policy{Minimum: map[string]string{"app": "2.3.0"}, Latest: map[string]string{"app": "2.2.0"}, DefaultUpdateURL: "https://u.example"}).Validate(); err == nil {
		t.Error("a latest version older than the minimum was accepted")
	}
	if err := (Policy{Minimum: map[string]string{"app": "2.3.0"}, UpdateURL: map[string]string{"app": "https://u.example"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestClientOf(t *testing.T) {
	h := http.Header{}
	h.Set(HeaderClientName, " satupintu-android ")
	h.Set(HeaderClientVersion, "2.3.0 (4512)")
	if c := ClientOf(h); c != (Client{"satupintu-android", "2.3.0 (4512)"}) {
		t.Errorf("%+v", c)
	}
	h.Set(HeaderClientName, "evil\nname")
	h.Set(HeaderClientVersion, strings.Repeat("9", 65))
	if c := ClientOf(h); c != (Client{}) {
		t.Errorf("unsafe values kept: %+v", c)
	}
}
