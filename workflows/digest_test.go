package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/calendar"
)

// TestDigestWorkflow gathers three signals (one a redelivery) in the
// afternoon and sends them once at eight the next morning, London time.
func TestDigestWorkflow(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 2, 15, 0, 0, 0, calendar.London)
	env.SetStartTime(start)
	var sent []activities.SendDigestInput
	var sentAt time.Time
	env.OnActivity(acts.SendDigest, mock.Anything, mock.Anything).Return(func(ctx context.Context, in activities.SendDigestInput) error {
		sent = append(sent, in)
		sentAt = env.Now()
		return nil
	})
	item := func(key string) activities.DigestItem {
		return activities.DigestItem{Key: key, ApplicationID: "a1", Subject: "Application to assess"}
	}
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(activities.DigestSignal, item("application:a1:reviewer_assigned:3")) }, time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(activities.DigestSignal, item("application:a1:reviewer_assigned:3")) }, 2*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(activities.DigestSignal, item("application:a2:milestone:9")) }, time.Hour)
	env.ExecuteWorkflow(DigestWorkflow, activities.DigestInput{UserID: "usr_1"})
	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	require.Len(t, sent, 1)
	require.Equal(t, "digest:usr_1:2026-03-03", sent[0].Key)
	require.Len(t, sent[0].Items, 2)
	require.Equal(t, time.Date(2026, 3, 3, 8, 0, 0, 0, calendar.London), sentAt.In(calendar.London))
}

func TestNextDigest(t *testing.T) {
	for _, c := range []struct{ now, want time.Time }{
		{time.Date(2026, 3, 2, 7, 59, 0, 0, calendar.London), time.Date(2026, 3, 2, 8, 0, 0, 0, calendar.London)},
		{time.Date(2026, 3, 2, 8, 0, 0, 0, calendar.London), time.Date(2026, 3, 3, 8, 0, 0, 0, calendar.London)},
		// The clocks go forward on 29 March 2026: still eight, London time.
		{time.Date(2026, 3, 28, 20, 0, 0, 0, calendar.London), time.Date(2026, 3, 29, 8, 0, 0, 0, calendar.London)},
	} {
		require.Equal(t, c.want, nextDigest(c.now.UTC()), c.now)
	}
}
