package globalid

import (
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	for _, tt := range []struct{ typ, key string }{
		{"Case", "07-kq3vx7hm2npw5rtz4ybdcfgj6e"},
		{"Region", "31.74.01.1001"},
		{"CaseHistoryEntry", "07-abc:xyz"}, // a compound key keeps its colons
	} {
		id := Encode(tt.typ, tt.key)
		if strings.ContainsAny(id, "+/=") {
			t.Errorf("Encode(%q, %q) = %q: not base64url without padding", tt.typ, tt.key, id)
		}
		typ, key, ok := Decode(id)
		if !ok || typ != tt.typ || key != tt.key {
			t.Errorf("Decode(Encode(%q, %q)) = %q, %q, %v", tt.typ, tt.key, typ, key, ok)
		}
	}
	for _, bad := range []string{"", "skck-application", "07-kq3vx7hm2npw5rtz4ybdcfgj6e", Encode("case", "x"), Encode("Case", ""), "Q2FzZTo=="} {
		if typ, key, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) = %q, %q, true; want not an id", bad, typ, key)
		}
	}
}

func TestKeyOf(t *testing.T) {
	if got := KeyOf("Case", Encode("Case", "07-x")); got != "07-x" {
		t.Errorf("KeyOf(a Case id) = %q", got)
	}
	if got := KeyOf("Case", "07-x"); got != "07-x" {
		t.Errorf("KeyOf(a bare case number) = %q", got)
	}
	// The id of another type is not taken apart: it names nothing here.
	other := Encode("Notification", "07-x-2")
	if got := KeyOf("Case", other); got != other {
		t.Errorf("KeyOf(Case, a Notification id) = %q, want the id unchanged", got)
	}
}

func TestRefs(t *testing.T) {
	const nik = "3174011505800001"
	a, b := NewRefs([]byte(strings.Repeat("a", 32))), NewRefs([]byte(strings.Repeat("b", 32)))
	ref := a.Of("nik", nik)
	if ref != a.Of("nik", nik) {
		t.Error("a reference changes between calls")
	}
	if ref == a.Of("kk", nik) || ref == b.Of("nik", nik) || ref == a.Of("nik", "3174011505800002") {
		t.Error("a reference does not depend on the kind, the key and the number")
	}
	if strings.Contains(ref, nik) || strings.Contains(Encode("Me", ref), nik) || len(ref) != 22 {
		t.Errorf("reference %q: want 22 base64url characters, no NIK", ref)
	}
}

// The same number as a NIK, a card or a licence makes different ids, none
// of which holds it; the key is derived, the same from the same secret.
func TestIDs(t *testing.T) {
	const n = "3174011505800001"
	secret := []byte(strings.Repeat("s", 32))
	if string(KeyFrom(secret)) != string(KeyFrom(secret)) || string(KeyFrom(secret)) == string(KeyFrom([]byte("other"))) {
		t.Fatal("KeyFrom is not a function of the secret")
	}
	x := NewIDs(KeyFrom(secret))
	ids := []string{x.Citizen("Me", n), x.Citizen("Home", n), x.FamilyMember(n), x.Family(n), x.Membership(n), x.StudentRecord(n),
		x.PipStatus(n), x.DrivingLicence(n), x.PoliceCertificate(n), x.TrafficTicket(n), x.Immunization(n), x.Device(n),
		x.Disbursement(n, "d1"), x.Alert(n, "a1"), x.OfCitizen("Source", n, "bpjs")}
	seen := map[string]bool{}
	for _, id := range ids {
		raw, _ := enc.DecodeString(id)
		if seen[id] || strings.Contains(id, n) || strings.Contains(string(raw), n) {
			t.Errorf("id %q (%q): repeated, or holds the number", id, raw)
		}
		seen[id] = true
	}
	if typ, key, ok := Decode(x.Citizen("Me", n)); !ok || typ != "Me" || !x.CitizenKey(key, n) || x.CitizenKey(key, "3174011505800002") {
		t.Errorf("Me id: %q %q %v; want the citizen's key", typ, key, ok)
	}
}
