package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// TestAnotherOrganisationsApplicationCostsWhatAMadeUpIdDoes is the timing
// side channel: a 404 for another organisation's real application used to
// run the workflow's query (on a worker, replaying its history) while a
// made-up id was refused by the server at once. Both are now refused by
// the same one lookup, before any query, and a projection that would
// answer a single read of the real one at once changes nothing.
func TestAnotherOrganisationsApplicationCostsWhatAMadeUpIdDoes(t *testing.T) {
	rdb, prefix := testredis.New(t)
	orgs, _ := organisation.Default()
	var calls []string
	tc := newStandInTemporal()
	tc.calls = &calls
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	rm := readmodel.NewStore(rdb, prefix)
	projected := workflows.ApplicationView{ID: "app_0190000000001", FundID: "f1", OrgCode: "QUY", Status: application.StatusDraft,
		CreatedAt: today, Version: 1, ActionsBy: map[string][]workflows.Action{}}
	if _, err := rm.Put(t.Context(), workflows.ApplicationRow(projected, today)); err != nil {
		t.Fatal(err)
	}
	h := NewServer(Deps{Temporal: tc, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: rm,
		KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return today }})
	other, _ := authtest.Token(t, tokens, fundflow.RoleApplicant, "7A1", "7A1 lead")
	for _, path := range []string{"/v1/applications/%s", "/v1/applications/%s/timeline", "/v1/applications/%s/letters", "/v1/applications/%s/milestones"} {
		work := map[string]string{}
		for what, id := range map[string]string{"real, QUY's": "app_0190000000001", "made up": "nope_123"} {
			calls = nil
			rec := httptestServe(h, jsonRequest("GET", fmt.Sprintf(path, id), other, "", nil))
			if rec.Code != http.StatusNotFound {
				t.Fatalf("%s %s: %d %s", path, what, rec.Code, rec.Body)
			}
			work[what] = fmt.Sprint(calls)
		}
		if work["real, QUY's"] != work["made up"] || work["made up"] != "[DescribeWorkflowExecution]" {
			t.Errorf("%s: another organisation's application cost %s, a made-up id %s", path, work["real, QUY's"], work["made up"])
		}
	}
}
