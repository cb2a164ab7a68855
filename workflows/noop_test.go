package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

func TestNoopUpdateWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	completed := 0
	for i := range 3 {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(UpdateNoop, "", &testsuite.TestUpdateCallback{
				OnReject:   func(err error) { t.Errorf("rejected: %v", err) },
				OnComplete: func(_ any, err error) { require.NoError(t, err); completed++ },
			})
		}, time.Duration(i+1)*time.Second)
	}
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 5*time.Second)
	env.ExecuteWorkflow(NoopUpdateWorkflow)

	require.Equal(t, 3, completed)
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "want Continue-As-New, got %v", env.GetWorkflowError())
}
