package fund

import (
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/form"
)

func TestSocialPrescribingDefinitionIsValid(t *testing.T) {
	d := SocialPrescribingDefinition(time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC)).Defaults()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.ApplicationForm().Version != 1 || d.FormVersion() != 1 {
		t.Errorf("form version %d", d.FormVersion())
	}
	if _, ok := d.ApplicationForm().Question("partners"); !ok {
		t.Error("the social-prescribing form does not ask for partners")
	}
	// A fund with no form asks the seeded one.
	if got := SeedDefinition(time.Now()).ApplicationForm(); got.Version != 1 || len(got.Sections) != len(form.Seeded().Sections) {
		t.Errorf("seed fund's form %+v", got)
	}
}

func TestDefinitionReportsItsFormsProblems(t *testing.T) {
	d := SocialPrescribingDefinition(time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC)).Defaults()
	f := *d.Form
	f.Version = 0
	f.Sections = f.Sections[1:]
	d.Form = &f
	e, ok := d.Validate().(*fundflow.Error)
	if !ok || len(e.Fields) == 0 {
		t.Fatalf("error %v", d.Validate())
	}
	for _, fe := range e.Fields {
		if !strings.HasPrefix(fe.Field, "form.") {
			t.Errorf("problem %s not under form.", fe.Field)
		}
	}
	if e.Fields[0].Field != "form.version" {
		t.Errorf("first problem %v", e.Fields[0])
	}
}
