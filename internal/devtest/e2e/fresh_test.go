package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// TestSingleReadsFromTheProjectionMatchTheWorkflow walks an application
// from draft to the panel on a real Temporal server. After every command
// that answered version N, a read with min_version=N, and one with no hint,
// never shows less than N; and once the projection has caught up, what it
// answers each role is byte for byte what the workflow Query answers
// (forced by a min_version no application has reached).
func TestSingleReadsFromTheProjectionMatchTheWorkflow(t *testing.T) {
	e := shared(t)
	lead := e.token("applicant_QUY")
	readers := []string{"applicant_QUY", "reviewer1", "reviewer2", "reviewer3", "panel_chair", "programme_manager", "admin"}

	version := func(b []byte) int64 {
		var v struct {
			Version int64 `json:"version"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return v.Version
	}
	var id string
	check := func(step string, answered int64) {
		t.Helper()
		for _, name := range readers {
			for _, q := range []string{fmt.Sprintf("?min_version=%d", answered), ""} {
				code, _, b := e.Raw("/v1/applications/"+id+q, e.token(name))
				if code != 200 || version(b) < answered {
					t.Fatalf("%s: %s read %q after version %d: %d, version %d", step, name, q, answered, code, version(b))
				}
			}
		}
		waitFor(t, step+": the projection catches up", func() bool {
			_, v, _, err := e.stack.ReadModel.View(t.Context(), id)
			return err == nil && v >= answered
		})
		for _, name := range readers {
			waitFor(t, step+": "+name+" reads the same from both", func() bool {
				_, v, _, _ := e.stack.ReadModel.View(t.Context(), id)
				_, _, fromProjection := e.Raw(fmt.Sprintf("/v1/applications/%s?min_version=%d", id, v), e.token(name))
				_, _, fromWorkflow := e.Raw(fmt.Sprintf("/v1/applications/%s?min_version=%d", id, int64(math.MaxInt64)), e.token(name))
				if bytes.Equal(fromProjection, fromWorkflow) {
					return true
				}
				// The workflow may have moved on (a letter, a
				// notification) between the two; only the same version
				// must read the same.
				if version(fromProjection) == version(fromWorkflow) {
					t.Fatalf("%s: %s at version %d:\nprojection %s\nworkflow   %s", step, name, version(fromWorkflow), fromProjection, fromWorkflow)
				}
				return false
			})
		}
	}
	answeredBy := func(out map[string]any) int64 {
		app, _ := out["application"].(map[string]any)
		v, _ := app["version"].(float64)
		return int64(v)
	}

	var created map[string]any
	if code := e.DoKey("POST", "/v1/applications", lead, "fresh-create", e.application("Ó Dónaill", 7_000_000), &created); code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	id = created["id"].(string)
	check("created", int64(created["version"].(float64)))
	var saved map[string]any
	if code := e.DoKey("PATCH", "/v1/applications/"+id, lead, "fresh-save", map[string]any{"planned_reach": 13000}, &saved); code != 200 {
		t.Fatalf("save: %d %v", code, saved)
	}
	check("saved", answeredBy(saved))
	check("submitted", answeredBy(e.post("/v1/applications/"+id+"/submit", lead, nil, 200)))
	check("eligible", answeredBy(e.post("/v1/applications/"+id+"/eligibility", e.token("reviewer1"),
		map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, 200)))
	var v map[string]any
	e.Do("GET", "/v1/applications/"+id, e.token("panel_chair"), nil, &v)
	assigned := v["reviewers"].([]any)
	first := assigned[0].(map[string]any)["id"].(string)
	check("one assessment in", answeredBy(e.post("/v1/applications/"+id+"/assessments", e.reviewerToken(first), e.assessment(4), 200)))
	second := assigned[1].(map[string]any)["id"].(string)
	check("at the panel", answeredBy(e.post("/v1/applications/"+id+"/assessments", e.reviewerToken(second), e.assessment(3), 200)))
}
