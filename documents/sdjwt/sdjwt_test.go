package sdjwt_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/documents/sdjwt"
	"github.com/satupintu/satupintu/signing"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func issue(t *testing.T, keys *signing.Keyring) string {
	t.Helper()
	var ds []sdjwt.Disclosure
	for _, c := range []struct {
		name  string
		value any
	}{{"name", "DEWI LESTARI"}, {"birthdate", "1990-02-24"}, {"age_over_17", true}, {"address", map[string]any{"locality": "KOTA BANDUNG"}}} {
		d, err := sdjwt.NewDisclosure(c.name, c.value)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	sd, err := sdjwt.Issue(keys, "dc+sd-jwt", map[string]any{"iss": "https://issuer.test", "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "vct": "https://issuer.test/credentials/sim"}, ds)
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func verify(keys *signing.Keyring, compact string) (sdjwt.Verified, error) {
	return sdjwt.Verify(compact, sdjwt.Options{Keyfunc: keys.Keyfunc, Now: func() time.Time { return now }, Typ: "dc+sd-jwt",
		Issuer: "https://issuer.test"})
}

// A presentation of two claims: the verifier learns exactly those, and
// each disclosure's SHA-256 (computed here, apart from the package) is in
// the signed _sd.
func TestSelectDisclosesOnlyTheChosen(t *testing.T) {
	keys := signing.Dev("sdjwt-test")
	full, err := sdjwt.Parse(issue(t, keys))
	if err != nil {
		t.Fatal(err)
	}
	pres := full.Select("name", "age_over_17").String()
	v, err := verify(keys, pres)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Disclosed, []string{"name", "age_over_17"}) {
		t.Errorf("disclosed %v", v.Disclosed)
	}
	if v.Claims["name"] != "DEWI LESTARI" || v.Claims["age_over_17"] != true || v.Claims["birthdate"] != nil || v.Claims["_sd"] != nil {
		t.Errorf("claims %v", v.Claims)
	}

	parts := strings.Split(pres, "~")
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(parts[0], ".")[1])
	var body struct {
		SD    []string `json:"_sd"`
		SDAlg string   `json:"_sd_alg"`
	}
	if err := json.Unmarshal(payload, &body); err != nil || body.SDAlg != "sha-256" || len(body.SD) != 4 {
		t.Fatalf("payload %s", payload)
	}
	for _, d := range parts[1 : len(parts)-1] {
		sum := sha256.Sum256([]byte(d))
		if !slices.Contains(body.SD, base64.RawURLEncoding.EncodeToString(sum[:])) {
			t.Errorf("disclosure %s has no digest in _sd", d)
		}
	}
	if !slices.IsSorted(body.SD) {
		t.Error("_sd is not sorted: its order would follow the claims'")
	}
}

func TestVerifyRefusesWhatTheIssuerDidNotSign(t *testing.T) {
	keys := signing.Dev("sdjwt-test")
	full := issue(t, keys)
	forged, _ := sdjwt.NewDisclosure("age_over_21", true)
	other := signing.Dev("another issuer")
	for name, compact := range map[string]string{
		"a forged disclosure":   full + forged.Encoded + "~",
		"a disclosure twice":    full + strings.Split(full, "~")[1] + "~",
		"another issuer's key":  issue(t, other),
		"the JWT altered":       strings.Replace(full, ".", ".e30", 1),
		"a key-binding JWT":     full + "eyJhbGciOiJFUzI1NiJ9.e30.sig",
		"no trailing separator": strings.TrimSuffix(full, "~"),
		"a disclosure not JSON": strings.Split(full, "~")[0] + "~bm90IGpzb24~",
	} {
		if _, err := verify(keys, compact); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if _, err := sdjwt.Verify(full, sdjwt.Options{Keyfunc: keys.Keyfunc, Now: func() time.Time { return now.Add(2 * time.Hour) }}); err == nil {
		t.Error("an expired credential verified")
	}
	if _, err := sdjwt.Verify(full, sdjwt.Options{Keyfunc: keys.Keyfunc, Now: func() time.Time { return now }, Typ: "vc+sd-jwt"}); err == nil {
		t.Error("a credential of another typ verified")
	}
}
