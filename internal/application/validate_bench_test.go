package application

import "testing"

// BenchmarkValidateSubmission is the check every save and submission of the
// seeded fund's application makes, in the workflow's Update validators.
func BenchmarkValidateSubmission(b *testing.B) {
	def, c := seed(), complete()
	for b.Loop() {
		if err := ValidateSubmission(c, def); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateDraftEmpty is the cheapest save: a new, empty draft.
func BenchmarkValidateDraftEmpty(b *testing.B) {
	def := seed()
	for b.Loop() {
		if err := ValidateDraft(Content{OrgCode: "QHL"}, def); err != nil {
			b.Fatal(err)
		}
	}
}
