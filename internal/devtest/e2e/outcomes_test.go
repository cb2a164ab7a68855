package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// TestOutcomesAgreeEverywhere lets dev mode seed its two reporting awards
// through the real workflows (QUY on both routes, reporting at 3 months and
// at the final evaluation; 7A1 on primary care, at 3 months only), then
// checks that the JSON, the CSV, the evaluation PDF and the dashboard give
// the same figures, and that they are the ones worked out by hand:
//
//   - onboarded: QUY's final 1,350 a route × 2 + 7A1's 1,300 = 4,000, of a
//     plan of 3,000 + 1,500 = 4,500, so 88.9%;
//   - active (62%): 837 × 2 + 806 = 2,480;
//   - drawn: QUY all five milestones, £40,000, and 7A1 the first four (80%),
//     £32,000: £72,000, so £18.00 a person onboarded (7,200,000 ÷ 4,000) and
//     £29.03 a person active (7,200,000 ÷ 2,480 = 2,903.2 pence);
//   - WEMWBS: baseline 41.2 over 1,215 × 2 + 1,170 = 3,600 people; follow-up
//     over 742 × 2 + 715 = 2,199 people, (742 × 45.6 × 2 + 715 × 44.1) ÷
//     2,199 = 45.11 → 45.1, a change of (742 × 4.4 × 2 + 715 × 2.9) ÷ 2,199
//     = 3.91 → 3.9. QUY's 3-month report is superseded by its final one.
func TestOutcomesAgreeEverywhere(t *testing.T) {
	t.Parallel()
	s := stack.Start(t, stack.Options{Args: []string{"--seed-outcomes=true", "--log-level", "info"}})
	c := s.HTTP(t)
	pm := s.Tokens(t)["programme_manager"].Token
	path := "/v1/funds/" + fund.SeedID + "/outcomes"

	// Seeding takes seconds on an idle machine and minutes on one running
	// every package's tests under the race detector, so this waits for the
	// seeder's own report of how it went, not for a guess at how long.
	for deadline := time.Now().Add(10 * time.Minute); !strings.Contains(s.Log.String(), "dev outcomes: seeded awards"); time.Sleep(time.Second) {
		if line := s.Log.Line("dev outcomes: seeding stopped"); line != "" {
			t.Fatal(line)
		}
		if time.Now().After(deadline) {
			t.Fatal("the dev seeder did not finish within 10 minutes")
		}
	}
	var raw map[string]any
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		raw = nil
		c.Do("GET", path, pm, nil, &raw)
		f, _ := raw["fund"].(map[string]any)
		if f != nil && f["drawn_pence"] == "7200000" && f["people_onboarded"] == "4000" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the seeded awards' reports are not in the roll-up a minute after the seeder finished: %v", f)
		}
	}
	f := raw["fund"].(map[string]any)
	for k, want := range map[string]string{"planned_reach": "4500", "people_onboarded": "4000", "people_active": "2480",
		"reach_percent_of_plan": "88.9", "drawn_pence": "7200000", "cost_per_person_onboarded_pence": "1800", "cost_per_person_active_pence": "2903"} {
		if f[k] != want {
			t.Errorf("JSON fund %s = %v, want %s", k, f[k], want)
		}
	}
	if raw["awards"] != 2.0 || raw["awards_reporting"] != 2.0 {
		t.Errorf("awards %v, reporting %v", raw["awards"], raw["awards_reporting"])
	}
	var wemwbs map[string]any
	for _, m := range f["measures"].([]any) {
		if m.(map[string]any)["measure"] == "wemwbs" {
			wemwbs = m.(map[string]any)
		}
	}
	for k, want := range map[string]string{"baseline_n": "3600", "baseline_mean": "41.2", "follow_up_n": "2199", "follow_up_mean": "45.1", "change": "3.9"} {
		if wemwbs[k] != want {
			t.Errorf("JSON WEMWBS %s = %v, want %s", k, wemwbs[k], want)
		}
	}

	code, _, csv := c.Raw(path+".csv", pm)
	if want := "fund," + fund.SeedID + ",Prevention Innovation Fund,2,4500,4000,2480,88.9,7200000,1800,2903,wemwbs,points,mean,higher,,3600,41.2,2199,45.1,3.9,,,"; code != 200 || !strings.Contains(string(csv), want) {
		t.Errorf("CSV %d lacks\n%s\n%s", code, want, csv)
	}

	code, _, pdf := c.Raw(path+".pdf", pm)
	if code != 200 {
		t.Fatalf("PDF %d", code)
	}
	txt := pdftest.Words(t, pdf)
	for _, want := range []string{"2 of 2 awards have verified outcome reports", "People onboarded 4000 (88.9% of the 4500 planned)",
		"People active 2480", "Credit drawn £72,000.00", "Cost per person onboarded £18.00", "Cost per person active £29.03",
		"Mental wellbeing (WEMWBS)", "41.2 → 45.1 (+3.9)", "41.2 (3600) 45.1 (2199) +3.9", "shown as <8", "self-reported"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}

	atRevision(t, s.Client(t))

	req, _ := http.NewRequest("GET", s.API+"/programme", nil)
	req.AddCookie(&http.Cookie{Name: "fundflow_session", Value: pm})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	html := string(page)
	for _, want := range []string{"2 of 2 awards have verified outcome reports", ">4500</td>", ">4000</td>", ">88.9</td>", ">2480</td>",
		">£18</td>", ">£29.03</td>", ">41.2 (3600)</td>", ">45.1 (2199)</td>", ">3.9</td>",
		"All awards: planned reach 4500, people onboarded 4000, people active 2480", "41.2 → 45.1 (&#43;3.9)"} {
		if !strings.Contains(html, want) {
			t.Errorf("dashboard (%d) lacks %s", resp.StatusCode, want)
		}
	}
}

// atRevision checks that the applications' histories, which between them
// reach every stage from draft to completion with letters and documents,
// are those of runs started at the workflow's revision: no GetVersion
// marker for a change the revision takes (workflows.Revised), and so no
// upsert of the TemporalChangeVersion search attribute the SDK
// writes beside one, and the fund, the reviewer list and the read model
// called by local activities, not through activity tasks.
func atRevision(t *testing.T, c client.Client) {
	t.Helper()
	ctx := context.Background()
	list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'ApplicationWorkflow'"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetExecutions()) < 2 {
		t.Fatalf("%d application workflows, want the seeded awards'", len(list.GetExecutions()))
	}
	for _, ex := range list.GetExecutions() {
		id := ex.GetExecution().GetWorkflowId()
		it := c.GetWorkflowHistory(ctx, id, ex.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "Version" {
				var change string
				if err := converter.GetDefaultDataConverter().FromPayload(m.GetDetails()["change-id"].GetPayloads()[0], &change); err != nil {
					t.Fatal(err)
				}
				// A change made since the revision is still asked about.
				if workflows.Revised(change) {
					t.Errorf("%s event %d: a version marker for %s, which the revision takes", id, e.GetEventId(), change)
				}
			}
			if at := e.GetActivityTaskScheduledEventAttributes(); at != nil {
				switch name := at.GetActivityType().GetName(); name {
				case "SendUpdate", "ReviewerPool", "ProjectApplication":
					t.Errorf("%s event %d schedules %s as an activity task", id, e.GetEventId(), name)
				}
			}
			if u := e.GetUpsertWorkflowSearchAttributesEventAttributes(); u != nil {
				if v, ok := u.GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]; ok {
					var changes []string
					_ = converter.GetDefaultDataConverter().FromPayload(v, &changes)
					// Each is the change's id and its version, "id-1".
					for _, c := range changes {
						if change := c[:max(0, strings.LastIndex(c, "-"))]; workflows.Revised(change) {
							t.Errorf("%s event %d upserts TemporalChangeVersion %s, which the revision takes", id, e.GetEventId(), c)
						}
					}
				}
			}
		}
	}
}
