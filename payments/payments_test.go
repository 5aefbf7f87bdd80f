package payments

import "testing"

func TestRp(t *testing.T) {
	for n, want := range map[int64]string{0: "Rp0", 500: "Rp500", 30000: "Rp30.000", 1234567: "Rp1.234.567"} {
		if got := Rp(n); got != want {
			t.Errorf("Rp(%d) = %s, want %s", n, got, want)
		}
	}
	if BillID("abc", 12) != "abc.12" {
		t.Errorf("BillID = %s", BillID("abc", 12))
	}
}
