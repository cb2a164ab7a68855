package activities

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/testsuite"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
)

func TestNotifyCreditReserved(t *testing.T) {
	in := NotifyCreditReservedInput{
		CreditReserved: CreditReserved{FundID: "f", ApplicationID: "a1", AmountPence: 8_000_000},
		Delivery:       Delivery{WorkflowID: "application:a1", UpdateName: "credit_reserved", UpdateID: "credit_reserved:f:7"},
	}
	tests := []struct {
		name      string
		updateErr error // from UpdateWorkflow
		getErr    error // from the handle
		want      Notified
		wantErr   bool
	}{
		{name: "accepted", want: Notified{Accepted: true}},
		{name: "refused by the application",
			getErr: temporalerr.Encode(fundflow.Errorf(fundflow.EINVALIDSTATE, "not waitlisted")),
			want:   Notified{Refusal: "invalid_state: not waitlisted"}},
		{name: "application gone",
			updateErr: serviceerror.NewNotFound("workflow execution already completed"),
			want:      Notified{Refusal: "the application is no longer running"}},
		{name: "server unavailable is retried",
			updateErr: serviceerror.NewUnavailable("try later"), wantErr: true},
		{name: "unexpected failure is retried",
			getErr: errors.New("boom"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mocks.NewClient(t)
			h := mocks.NewWorkflowUpdateHandle(t)
			c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
				return o.WorkflowID == in.Delivery.WorkflowID && o.UpdateName == in.Delivery.UpdateName &&
					o.UpdateID == in.Delivery.UpdateID && o.WaitForStage == client.WorkflowUpdateStageCompleted &&
					len(o.Args) == 1 && o.Args[0] == in.CreditReserved
			})).Return(h, tt.updateErr)
			if tt.updateErr == nil {
				h.On("Get", mock.Anything, nil).Return(tt.getErr)
			}

			var env testsuite.WorkflowTestSuite
			a := env.NewTestActivityEnvironment()
			a.RegisterActivity(&Activities{Temporal: c})
			v, err := a.ExecuteActivity((&Activities{}).NotifyCreditReserved, in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got Notified
			require.NoError(t, v.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNotifyFundFinishedSendsItsOwnArgument(t *testing.T) {
	in := NotifyFundFinishedInput{
		FundFinished: FundFinished{FundID: "f", ApplicationID: "a2"},
		Delivery:     Delivery{WorkflowID: "application:a2", UpdateName: "fund_finished", UpdateID: "fund_finished:f:a2"},
	}
	c := mocks.NewClient(t)
	h := mocks.NewWorkflowUpdateHandle(t)
	c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.UpdateName == "fund_finished" && o.Args[0] == in.FundFinished
	})).Return(h, nil)
	h.On("Get", mock.Anything, nil).Return(nil)

	var env testsuite.WorkflowTestSuite
	a := env.NewTestActivityEnvironment()
	a.RegisterActivity(&Activities{Temporal: c})
	v, err := a.ExecuteActivity((&Activities{}).NotifyFundFinished, in)
	require.NoError(t, err)
	var got Notified
	require.NoError(t, v.Get(&got))
	require.True(t, got.Accepted)
}
