package loadgen

import "testing"

func TestLoadBenchOnlyLoadsThisMachine(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080/"} {
		if _, err := LoopbackOnly(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "https://fundflow.example.org", "ftp://127.0.0.1", "http://127.0.0.1.example.org"} {
		if _, err := LoopbackOnly(u); err == nil {
			t.Errorf("%s was accepted", u)
		}
	}
}
