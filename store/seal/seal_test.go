package seal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/store/seal"
)

var (
	hexA = strings.Repeat("a1", 32)
	hexB = strings.Repeat("b2", 32)
	hexC = strings.Repeat("c3", 32)
)

func mustParse(t *testing.T, s string) *seal.Keyring {
	t.Helper()
	r, err := seal.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return r
}

func TestParse(t *testing.T) {
	r := mustParse(t, "2026a:"+hexA+", 2025b:"+hexB)
	if got := r.IDs(); len(got) != 2 || got[0] != "2026a" || got[1] != "2025b" || r.Sealing() != "2026a" || r.Lookup() != "2026a" {
		t.Errorf("ids %v, sealing %s, lookup %s", got, r.Sealing(), r.Lookup())
	}
	// Without an id, one is derived from the key: stable, and not the key.
	a1, a2 := mustParse(t, hexA), mustParse(t, hexA)
	if a1.Sealing() != a2.Sealing() || len(a1.Sealing()) != 8 || strings.Contains(hexA, a1.Sealing()) {
		t.Errorf("derived ids %q, %q", a1.Sealing(), a2.Sealing())
	}
	if mustParse(t, hexB).Sealing() == a1.Sealing() {
		t.Error("two keys derive one id")
	}

	for _, bad := range []string{
		"", "abc", strings.Repeat("a1", 31), hexA + "00", "k:" + strings.Repeat("zz", 32),
		"bad id:" + hexA, strings.Repeat("x", 33) + ":" + hexA,
		"k:" + hexA + ",k:" + hexB,   // an id twice
		"k1:" + hexA + ",k2:" + hexA, // a key twice
		hexA + ",",
	} {
		_, err := seal.Parse(bad)
		if err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
			continue
		}
		// The refusal never prints a key.
		if strings.Contains(err.Error(), "a1a1") || strings.Contains(err.Error(), "b2b2") {
			t.Errorf("Parse(%q) = %v: it prints the key", bad, err)
		}
	}
}

func TestSealOpen(t *testing.T) {
	r := mustParse(t, "k1:"+hexA)
	plain, ctx := []byte("3174015708900001"), []byte("devices.citizen:row-1")
	sealed := r.Seal(plain, ctx)
	if bytes.Contains(sealed, plain) {
		t.Fatal("the sealed value holds the plaintext")
	}
	if again := r.Seal(plain, ctx); bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if id, err := seal.KeyOf(sealed); err != nil || id != "k1" {
		t.Errorf("KeyOf = %q, %v", id, err)
	}
	got, err := r.Open(sealed, ctx)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Another row's context, or one altered byte: refused.
	if _, err := r.Open(sealed, []byte("devices.citizen:row-2")); !errors.Is(err, seal.ErrCorrupt) {
		t.Errorf("Open in another context = %v; want ErrCorrupt", err)
	}
	for i := range sealed {
		altered := bytes.Clone(sealed)
		altered[i] ^= 1
		if _, err := r.Open(altered, ctx); err == nil {
			t.Errorf("byte %d altered: opened", i)
		}
	}
	for _, junk := range [][]byte{nil, {1}, {1, 200, 'k'}, {9, 2, 'k', '1'}} {
		if _, err := r.Open(junk, ctx); err == nil {
			t.Errorf("Open(%v) succeeded", junk)
		}
	}
	if got, err := r.Open(r.Seal(nil, nil), nil); err != nil || len(got) != 0 {
		t.Errorf("empty value: %q, %v", got, err)
	}
}

// A rotation: the new key first seals new values, old values still open;
// once the old key is gone, its values fail with an error naming it.
func TestRotation(t *testing.T) {
	ctx := []byte("inbox.content")
	before := mustParse(t, "old:"+hexA)
	oldSealed := before.Seal([]byte("lama"), ctx)

	during := mustParse(t, "new:"+hexB+",old:"+hexA)
	newSealed := during.Seal([]byte("baru"), ctx)
	if id, _ := seal.KeyOf(newSealed); id != "new" {
		t.Errorf("sealed during the rotation with %q; want the first key, new", id)
	}
	for sealed, want := range map[string]string{string(oldSealed): "lama", string(newSealed): "baru"} {
		if got, err := during.Open([]byte(sealed), ctx); err != nil || string(got) != want {
			t.Errorf("during the rotation: Open = %q, %v; want %q", got, err, want)
		}
	}

	after := mustParse(t, "new:"+hexB)
	if got, err := after.Open(newSealed, ctx); err != nil || string(got) != "baru" {
		t.Errorf("after: new value = %q, %v", got, err)
	}
	_, err := after.Open(oldSealed, ctx)
	var missing *seal.MissingKeyError
	if !errors.As(err, &missing) || missing.ID != "old" || !strings.Contains(err.Error(), `"old"`) ||
		!strings.Contains(err.Error(), "SATUPINTU_DATA_KEY") {
		t.Errorf("a value of a removed key: %v; want a MissingKeyError naming old and the setting", err)
	}
	// The same key under another id does not open it either: the id is
	// what names the key.
	if _, err := mustParse(t, "other:"+hexA).Open(oldSealed, ctx); !errors.As(err, &missing) {
		t.Errorf("under another id: %v", err)
	}
}

// Lookup hashes are keyed: stable for one key, apart per purpose and per
// key, and they follow the lookup key, not the sealing one.
func TestHash(t *testing.T) {
	r := mustParse(t, "k1:"+hexA)
	nik := []byte("3174015708900001")
	h := r.Hash("nik", nik)
	if len(h) != 32 || !bytes.Equal(h, mustParse(t, "k1:"+hexA).Hash("nik", nik)) {
		t.Fatalf("hash %x is not stable", h)
	}
	if bytes.Equal(h, r.Hash("fcm-token", nik)) {
		t.Error("two purposes hash alike")
	}
	if bytes.Equal(h, r.Hash("nik", []byte("3174015708900002"))) {
		t.Error("two NIKs hash alike")
	}
	if bytes.Equal(h, mustParse(t, "k2:"+hexB).Hash("nik", nik)) {
		t.Error("two keys hash alike")
	}

	// During a rotation the lookups stay keyed by the key the database
	// names, so rows hashed before are still found.
	rotated := mustParse(t, "k3:"+hexC+",k1:"+hexA)
	if bytes.Equal(rotated.Hash("nik", nik), h) {
		t.Fatal("by default the first key keys the lookups")
	}
	pinned, err := rotated.WithLookup("k1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pinned.Hash("nik", nik), h) || pinned.Sealing() != "k3" || pinned.Lookup() != "k1" {
		t.Errorf("WithLookup(k1): hash differs, or sealing %s lookup %s", pinned.Sealing(), pinned.Lookup())
	}
	if rotated.Lookup() != "k3" {
		t.Error("WithLookup changed the ring it was called on")
	}
	var missing *seal.MissingKeyError
	if _, err := rotated.WithLookup("k0"); !errors.As(err, &missing) || missing.ID != "k0" {
		t.Errorf("WithLookup of a key not in the ring: %v", err)
	}
}
