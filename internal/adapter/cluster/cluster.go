// Package cluster prepares and checks the Temporal namespace fundflow runs
// in: the namespace itself, with the retention the audit needs, and the
// custom search attributes its workflows set and its lists query. `fundflow
// setup` and the embedded dev server prepare it; `api` and `worker` check it
// before they serve and on every /readyz.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// AuditRetention keeps closed workflows, the record of every decision and
// the history a letter's verification rests on, for ten years; Temporal's
// own default is a day.
const AuditRetention = 10 * 365 * 24 * time.Hour

// Spec is what fundflow needs of its namespace.
type Spec struct {
	Namespace        string
	Retention        time.Duration
	SearchAttributes map[string]enumspb.IndexedValueType
}

// Setup creates the namespace with s.Retention (raising the retention of an
// existing namespace that keeps less), registers any missing search
// attribute, and returns once Check sees all of it. Running it again
// changes nothing.
func Setup(ctx context.Context, c client.Client, s Spec) error {
	if s.Retention == 0 {
		s.Retention = AuditRetention
	}
	_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        s.Namespace,
		Description:                      "fundflow: prevention-fund applications",
		WorkflowExecutionRetentionPeriod: durationpb.New(s.Retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	switch {
	case errors.As(err, &exists):
		if err := raiseRetention(ctx, c, s); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("register namespace %q: %w", s.Namespace, err)
	}
	// A namespace registered a moment ago reaches the operator service when
	// the server's namespace cache refreshes (every few seconds); retry
	// until it does.
	return retry(ctx, 60*time.Second, func() error {
		missing, err := missingAttributes(ctx, c, s)
		if err != nil {
			return err
		}
		if len(missing) == 0 {
			return nil
		}
		add := map[string]enumspb.IndexedValueType{}
		for _, name := range missing {
			add[name] = s.SearchAttributes[name]
		}
		_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: s.Namespace, SearchAttributes: add,
		})
		var already *serviceerror.AlreadyExists
		if err != nil && !errors.As(err, &already) {
			return fmt.Errorf("add search attributes %s: %w", strings.Join(missing, ", "), err)
		}
		return errNotYet
	})
}

var errNotYet = errors.New("not visible yet")

func retry(ctx context.Context, within time.Duration, f func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func raiseRetention(ctx context.Context, c client.Client, s Spec) error {
	d, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.Namespace})
	if err != nil {
		return fmt.Errorf("describe namespace %q: %w", s.Namespace, err)
	}
	if d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() >= s.Retention {
		return nil
	}
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: s.Namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(s.Retention)},
	})
	if err != nil {
		return fmt.Errorf("raise the retention of namespace %q: %w", s.Namespace, err)
	}
	return nil
}

// missingAttributes names, in order, the search attributes the namespace
// lacks or holds with another type.
func missingAttributes(ctx context.Context, c client.Client, s Spec) ([]string, error) {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace})
	if err != nil {
		return nil, fmt.Errorf("list search attributes of %q: %w", s.Namespace, err)
	}
	var missing []string
	for name, typ := range s.SearchAttributes {
		if t, ok := have.GetCustomAttributes()[name]; !ok || t != typ {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	return missing, nil
}

// Check names what is wrong with the namespace, by check: "temporal" when
// the cluster does not answer, "namespace" and "search_attributes" when
// they are missing. Every check is in the map, "ok" when it passed, so it
// can be served as /readyz.
func Check(ctx context.Context, c client.Client, s Spec) map[string]string {
	checks := map[string]string{"temporal": "ok", "namespace": "ok", "search_attributes": "ok"}
	d, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.Namespace})
	var notFound *serviceerror.NamespaceNotFound
	var notFound2 *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound) || errors.As(err, &notFound2):
		checks["namespace"] = "missing: " + s.Namespace
		checks["search_attributes"] = "unknown"
		return checks
	case err != nil:
		checks["temporal"], checks["namespace"], checks["search_attributes"] = "unavailable", "unknown", "unknown"
		return checks
	case d.GetNamespaceInfo().GetState() != enumspb.NAMESPACE_STATE_REGISTERED:
		checks["namespace"] = "not registered: " + s.Namespace + " is " + d.GetNamespaceInfo().GetState().String()
	}
	missing, err := missingAttributes(ctx, c, s)
	switch {
	case err != nil:
		checks["search_attributes"] = "unknown"
	case len(missing) > 0:
		checks["search_attributes"] = "missing: " + strings.Join(missing, ", ")
	}
	return checks
}

// Err is Check as one error, for a process to log or stop on; nil when
// every check passed.
func Err(ctx context.Context, c client.Client, s Spec) error {
	checks := Check(ctx, c, s)
	if checks["temporal"] != "ok" {
		return fmt.Errorf("Temporal does not answer for namespace %q", s.Namespace)
	}
	var bad []string
	for _, k := range []string{"temporal", "namespace", "search_attributes"} {
		if v := checks[k]; v != "ok" && v != "unknown" {
			bad = append(bad, k+" "+v)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("Temporal namespace %q is not ready (%s): run `fundflow setup`", s.Namespace, strings.Join(bad, "; "))
}
