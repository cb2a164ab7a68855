package application

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

// FuzzPatch decodes any body as a Patch, as the API does, merges it into a
// draft and validates it both ways: nothing may panic, and every refusal
// is a validation error naming fields.
func FuzzPatch(f *testing.F) {
	f.Add([]byte(`{"lead_contact":{"name":"Siân","email":"a@nhs.net"},"requested_pence":8000000,"target_cohorts":["hypertension"]}`))
	f.Add([]byte(`{"lead_contact":null,"sro":{"role":null},"deployment_routes":[""],"dpia_status":"nope","population_covered":-1}`))
	def := fund.SeedDefinition(seedNow).Defaults()
	f.Fuzz(func(t *testing.T, body []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var p Patch
		if dec.Decode(&p) != nil {
			return
		}
		c := Content{OrgCode: "QUY"}.Apply(p)
		for _, err := range []error{ValidateDraft(c, def), ValidateSubmission(c, def)} {
			if err == nil {
				continue
			}
			e, ok := err.(*fundflow.Error)
			if !ok || e.Code != fundflow.EVALIDATION || len(e.Fields) == 0 {
				t.Fatalf("refusal %v is not a validation error naming fields", err)
			}
		}
		// What was saved reads back the same.
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}
