package activities

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/testsuite"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
)

// run executes one activity of a in the test activity environment.
func run(t *testing.T, a *Activities, fn any, args ...any) (func(any), error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	v, err := env.ExecuteActivity(fn, args...)
	return func(into any) { require.NoError(t, v.Get(into)) }, err
}

func TestSendUpdate(t *testing.T) {
	in := SendUpdateInput{
		Delivery: Delivery{WorkflowID: "fund:f", UpdateName: "reserve", UpdateID: "application:a1:3:reserve"},
		Payload:  json.RawMessage(`{"key":"application:a1:3:reserve","application_id":"a1","amount_pence":8000000}`),
	}
	tests := []struct {
		name      string
		updateErr error
		getErr    error
		result    string // what the workflow returned, as JSON
		want      Reply
		wantErr   bool
	}{
		{name: "answered", result: `{"entry":{"seq":4}}`, want: Reply{Result: json.RawMessage(`{"entry":{"seq":4}}`)}},
		{name: "refused, with the code to branch on",
			getErr: temporalerr.Encode(fundflow.Errorf(fundflow.EINSUFFICIENTCREDIT, "only 10 pence is available")),
			want:   Reply{Refusal: fundflow.Errorf(fundflow.EINSUFFICIENTCREDIT, "only 10 pence is available")}},
		{name: "workflow not running",
			updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			want:      Reply{Refusal: fundflow.Errorf(fundflow.ENOTFOUND, "workflow fund:f is not running")}},
		{name: "server unavailable is retried", updateErr: serviceerror.NewUnavailable("try later"), wantErr: true},
		{name: "unexpected failure is retried", getErr: errors.New("boom"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mocks.NewClient(t)
			h := mocks.NewWorkflowUpdateHandle(t)
			c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
				return o.WorkflowID == in.Delivery.WorkflowID && o.UpdateName == in.Delivery.UpdateName &&
					o.UpdateID == in.Delivery.UpdateID && o.WaitForStage == client.WorkflowUpdateStageCompleted &&
					len(o.Args) == 1 && string(o.Args[0].(json.RawMessage)) == string(in.Payload)
			})).Return(h, tt.updateErr)
			if tt.updateErr == nil {
				h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
					if tt.result != "" {
						*args.Get(1).(*json.RawMessage) = json.RawMessage(tt.result)
					}
				}).Return(tt.getErr)
			}
			get, err := run(t, &Activities{Temporal: c}, (&Activities{}).SendUpdate, in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got Reply
			get(&got)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLookupOrg(t *testing.T) {
	orgs, err := organisation.Default()
	require.NoError(t, err)
	a := &Activities{Orgs: orgs}
	may := organisation.Date{Year: 2026, Month: time.May, Day: 6}

	get, err := run(t, a, a.LookupOrg, LookupOrgInput{Code: "QHL", On: may})
	require.NoError(t, err)
	var got OrgLookup
	get(&got)
	require.Equal(t, organisation.Valid, got.Validity.Status)
	require.Equal(t, organisation.England, got.Org.Nation, "the registry's answer survives the trip through the history")
	require.Equal(t, organisation.Date{Year: 2022, Month: time.July, Day: 1}, got.Org.ValidFrom)

	get, err = run(t, a, a.LookupOrg, LookupOrgInput{Code: "QHG", On: may})
	require.NoError(t, err)
	get(&got)
	require.Equal(t, organisation.Abolished, got.Validity.Status)
	require.Equal(t, "S1Y5D", got.Validity.Successor.Code)
}

func TestDeadlines(t *testing.T) {
	cal, err := calendar.Default()
	require.NoError(t, err)
	a := &Activities{Calendar: cal}
	// Thursday 30 April 2026, 10:00 in London; Monday 4 May is a bank holiday.
	from := time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)

	get, err := run(t, a, a.WorkingDeadline, WorkingDeadlineInput{Division: calendar.EnglandAndWales, From: from, Within: fund.MustParseDuration("P5D")})
	require.NoError(t, err)
	var due time.Time
	get(&due)
	require.Equal(t, time.Date(2026, 5, 8, 9, 0, 0, 0, time.UTC), due)

	clock := application.NewStageClock(from, fund.MustParseDuration("P5D"), calendar.EnglandAndWales)
	get, err = run(t, a, a.StageDue, StageDueInput{Clock: clock, ReminderBefore: fund.MustParseDuration("P2D")})
	require.NoError(t, err)
	var d StageDeadlines
	get(&d)
	require.Equal(t, StageDeadlines{DueAt: due, ReminderAt: due.AddDate(0, 0, -2)}, d)

	require.NoError(t, clock.Pause(from.Add(time.Hour)))
	get, err = run(t, a, a.StageDue, StageDueInput{Clock: clock, ReminderBefore: fund.MustParseDuration("P2D")})
	require.NoError(t, err)
	var paused StageDeadlines
	get(&paused)
	require.Equal(t, StageDeadlines{}, paused, "no deadlines while paused")
}

type pools map[string][]directory.User

func (p pools) Project(context.Context, []directory.User, []directory.Token, []directory.Pool, []directory.CertifierList) error {
	return nil
}

func (p pools) Certifiers(context.Context, string) ([]directory.Certifier, []directory.User, error) {
	return nil, nil, nil
}

func (p pools) PoolReviewers(_ context.Context, fundID string) ([]directory.User, error) {
	return p[fundID], nil
}

func TestReviewerPool(t *testing.T) {
	a := &Activities{Directory: pools{"f": {{ID: "r1", Name: "Rhian"}, {ID: "r2", Name: "Ravi"}}, "g": {{ID: "r3", Name: "Rosa"}}}}
	get, err := run(t, a, a.ReviewerPool, ReviewerPoolInput{FundID: "f"})
	require.NoError(t, err)
	var pool []application.Reviewer
	get(&pool)
	require.Equal(t, []application.Reviewer{{ID: "r1", Name: "Rhian"}, {ID: "r2", Name: "Ravi"}}, pool, "only the fund's own pool")
}
