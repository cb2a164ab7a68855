package workflows

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedHistories replays every testdata/*_history.json against
// today's workflow code. A history recorded from a real server before a
// change must still replay after it; if it does not, the change needs
// workflow.GetVersion. Record histories with TestRecordHistory.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*_history.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no recorded histories in testdata/ yet; see TestRecordHistory")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(FundWorkflow)
			r.RegisterWorkflow(ApplicationWorkflow)
			r.RegisterWorkflow(ChangeRequestWorkflow)
			r.RegisterWorkflow(NoopUpdateWorkflow)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecordHistory saves a workflow's history from a running server as
// testdata/<name>_history.json, in the JSON form `temporal workflow show
// --output json` also writes. It runs only when asked:
//
//	FUNDFLOW_RECORD_ADDRESS=localhost:7233 \
//	FUNDFLOW_RECORD_WORKFLOW=fund:prevention-innovation-2025 \
//	FUNDFLOW_RECORD_NAME=fund \
//	go test -run TestRecordHistory ./workflows/
//
// FUNDFLOW_RECORD_NAMESPACE defaults to "default"; the latest run is saved.
func TestRecordHistory(t *testing.T) {
	addr, id, name := os.Getenv("FUNDFLOW_RECORD_ADDRESS"), os.Getenv("FUNDFLOW_RECORD_WORKFLOW"), os.Getenv("FUNDFLOW_RECORD_NAME")
	if addr == "" || id == "" || name == "" {
		t.Skip("set FUNDFLOW_RECORD_ADDRESS, FUNDFLOW_RECORD_WORKFLOW and FUNDFLOW_RECORD_NAME to record a history")
	}
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: os.Getenv("FUNDFLOW_RECORD_NAMESPACE")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var h historypb.History
	events := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		e, err := events.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+"_history.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
