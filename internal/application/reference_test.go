package application

import "testing"

func TestReference(t *testing.T) {
	for _, c := range []struct {
		prefix string
		n      int64
		want   string
	}{{"PIF", 7, "PIF-0007"}, {"SP", 1, "SP-0001"}, {"PIF", 12345, "PIF-12345"}} {
		got := Reference(c.prefix, c.n)
		if got != c.want || !IsReference(got) {
			t.Errorf("Reference(%q, %d) = %q (a reference: %v), want %q", c.prefix, c.n, got, IsReference(got), c.want)
		}
	}
	for _, s := range []string{"app_6a4060bb4edabe6840e373", "PIF-7", "pif-0007", "P-0007", "PIF-0007-OFR-1", "PIF_0007", ""} {
		if IsReference(s) {
			t.Errorf("IsReference(%q) = true", s)
		}
	}
	if Quoted("", "app_1") != "app_1" || Quoted("PIF-0001", "app_1") != "PIF-0001" {
		t.Error("Quoted must prefer the reference and fall back to the id")
	}
}
