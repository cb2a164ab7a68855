package api

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/devtest/authtest"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/organisation"
)

// An answer to a question the form does not have is refused before any
// workflow starts, so nothing is saved; a wrong type for fund_id is still a
// malformed body naming it.
func TestCreateRefusesUnknownAnswersBeforeStarting(t *testing.T) {
	rdb, prefix := testredis.New(t)
	orgs, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	tc := newStandInTemporal()
	var calls []string
	tc.calls = &calls
	tokens := auth.NewStore(rdb, prefix, nil, func() time.Time { return today })
	h := NewServer(Deps{Temporal: tc, Redis: rdb, Tokens: tokens, Orgs: orgs, ReadModel: readmodel.NewStore(rdb, prefix),
		KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return today }})
	tok, _ := authtest.Token(t, tokens, fundflow.RoleApplicant, "QUY", "lead")

	for _, tt := range []struct {
		body   string
		status int
		fields []string
	}{
		{`{"fund_id":"` + tc.fund.Definition.ID + `","need":"N","colour":"red","partners":[{"name":"x"}]}`, 422, []string{"colour", "partners"}},
		{`{"fund_id":5,"need":"N"}`, 400, []string{"fund_id"}},
		{`{"fund_id":"` + tc.fund.Definition.ID + `","org_code":"QHL"}`, 400, []string{"org_code"}},
	} {
		calls = nil
		rec := httptestServe(h, jsonRequest("POST", "/v1/applications", tok, "application/json", []byte(tt.body)))
		var p problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		var got []string
		for _, e := range p.Errors {
			got = append(got, e.Field)
		}
		if rec.Code != tt.status || !slices.Equal(got, tt.fields) {
			t.Errorf("%s: %d %v, want %d %v", tt.body, rec.Code, got, tt.status, tt.fields)
		}
		if slices.Contains(calls, "UpdateWithStartWorkflow") {
			t.Errorf("%s: a refused draft started a workflow (%s)", tt.body, strings.Join(calls, ", "))
		}
	}
}
