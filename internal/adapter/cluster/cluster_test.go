package cluster

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"
)

// fakeCluster is the little of Temporal's frontend and operator service
// that Setup and Check use, kept in memory.
type fakeCluster struct {
	workflowservice.WorkflowServiceClient
	operatorservice.OperatorServiceClient
	mu        sync.Mutex
	exists    bool
	retention time.Duration
	attrs     map[string]enumspb.IndexedValueType
	added     []string
}

func (f *fakeCluster) RegisterNamespace(_ context.Context, r *workflowservice.RegisterNamespaceRequest, _ ...grpc.CallOption) (*workflowservice.RegisterNamespaceResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exists {
		return nil, serviceerror.NewNamespaceAlreadyExists("exists")
	}
	f.exists, f.retention = true, r.GetWorkflowExecutionRetentionPeriod().AsDuration()
	return &workflowservice.RegisterNamespaceResponse{}, nil
}

func (f *fakeCluster) DescribeNamespace(_ context.Context, r *workflowservice.DescribeNamespaceRequest, _ ...grpc.CallOption) (*workflowservice.DescribeNamespaceResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exists {
		return nil, serviceerror.NewNamespaceNotFound(r.GetNamespace())
	}
	return &workflowservice.DescribeNamespaceResponse{
		NamespaceInfo: &namespacepb.NamespaceInfo{Name: r.GetNamespace(), State: enumspb.NAMESPACE_STATE_REGISTERED},
		Config:        &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(f.retention)},
	}, nil
}

func (f *fakeCluster) UpdateNamespace(_ context.Context, r *workflowservice.UpdateNamespaceRequest, _ ...grpc.CallOption) (*workflowservice.UpdateNamespaceResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retention = r.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
	return &workflowservice.UpdateNamespaceResponse{}, nil
}

func (f *fakeCluster) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exists {
		return nil, serviceerror.NewNamespaceNotFound("fundflow")
	}
	out := map[string]enumspb.IndexedValueType{}
	for k, v := range f.attrs {
		out[k] = v
	}
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: out}, nil
}

func (f *fakeCluster) AddSearchAttributes(_ context.Context, r *operatorservice.AddSearchAttributesRequest, _ ...grpc.CallOption) (*operatorservice.AddSearchAttributesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range r.GetSearchAttributes() {
		f.attrs[k] = v
		f.added = append(f.added, k)
	}
	return &operatorservice.AddSearchAttributesResponse{}, nil
}

func newFake(t *testing.T, f *fakeCluster) *mocks.Client {
	t.Helper()
	c := &mocks.Client{}
	c.On("WorkflowService").Return(f).Maybe()
	c.On("OperatorService").Return(f).Maybe()
	return c
}

var spec = Spec{Namespace: "fundflow", SearchAttributes: map[string]enumspb.IndexedValueType{
	"EntityKind": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"FundId":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"StageDueAt": enumspb.INDEXED_VALUE_TYPE_DATETIME,
}}

func TestCheckNamesWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	f := &fakeCluster{attrs: map[string]enumspb.IndexedValueType{}}
	c := newFake(t, f)
	if got := Check(ctx, c, spec); got["namespace"] != "missing: fundflow" {
		t.Fatalf("no namespace: %v", got)
	}
	if err := Err(ctx, c, spec); err == nil || !strings.Contains(err.Error(), "fundflow setup") {
		t.Fatalf("no namespace: %v", err)
	}
	f.exists = true
	// StageDueAt registered with the wrong type counts as missing.
	f.attrs["StageDueAt"] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	if got := Check(ctx, c, spec); got["namespace"] != "ok" || got["search_attributes"] != "missing: EntityKind, FundId, StageDueAt" {
		t.Fatalf("no attributes: %v", got)
	}
}

func TestSetupIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f := &fakeCluster{attrs: map[string]enumspb.IndexedValueType{}}
	c := newFake(t, f)
	for range 2 {
		if err := Setup(ctx, c, spec); err != nil {
			t.Fatal(err)
		}
		if err := Err(ctx, c, spec); err != nil {
			t.Fatal(err)
		}
	}
	if f.retention != AuditRetention || len(f.added) != 3 {
		t.Fatalf("retention %s, added %v", f.retention, f.added)
	}

	// A namespace made by hand with a day's retention and one attribute
	// is raised to the audit's retention and completed.
	f = &fakeCluster{exists: true, retention: 24 * time.Hour, attrs: map[string]enumspb.IndexedValueType{"FundId": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}
	if err := Setup(ctx, newFake(t, f), spec); err != nil {
		t.Fatal(err)
	}
	if f.retention != AuditRetention || strings.Join(slices.Sorted(slices.Values(f.added)), ",") != "EntityKind,StageDueAt" {
		t.Fatalf("retention %s, added %v", f.retention, f.added)
	}
}
