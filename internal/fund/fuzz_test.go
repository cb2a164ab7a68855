package fund

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

// FuzzDefinition decodes any body as a fund definition, as POST /v1/funds
// does, applies defaults and validates it: nothing may panic, a refusal is
// a validation error naming fields, and a definition that passes builds a
// ledger.
func FuzzDefinition(f *testing.F) {
	seed, _ := json.Marshal(SeedDefinition(time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC)))
	f.Add(seed)
	f.Add([]byte(`{"id":"abc","stage_deadlines":{"eligibility":"P-1D"},"criteria":[{"id":"","weight":-1}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var d Definition
		if dec.Decode(&d) != nil {
			return
		}
		d = d.Defaults()
		err := d.Validate()
		if err == nil {
			_ = NewLedger(d)
			return
		}
		if e, ok := err.(*fundflow.Error); !ok || e.Code != fundflow.EVALIDATION || len(e.Fields) == 0 {
			t.Fatalf("refusal %v is not a validation error naming fields", err)
		}
	})
}
