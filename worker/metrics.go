package worker

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// countActivities counts every activity this worker runs by name and
// outcome, as fundflow_activities_total{activity, outcome}. The SDK's own
// metrics time them; this is the count an operator alerts on ("notify is
// failing"), in fundflow's names.
type countActivities struct {
	interceptor.WorkerInterceptorBase
}

func (*countActivities) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityCounter{}
	i.Next = next
	return i
}

type activityCounter struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *activityCounter) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	out, err := a.Next.ExecuteActivity(ctx, in)
	outcome := "completed"
	if err != nil {
		outcome = "failed"
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{
		"activity": activity.GetInfo(ctx).ActivityType.Name,
		"outcome":  outcome,
	}).Counter("fundflow_activities").Inc(1)
	return out, err
}
