package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/fundflow/fundflow/internal/devtest/stack"
)

// TestDevMail checks `fundflow dev` delivers to its own mail catcher and
// lists what it caught at /dev/mail, to admins only. It counts every
// message the catcher holds and changes a seeded person's preferences, so
// it has a stack of its own.
func TestDevMail(t *testing.T) {
	e := own(t, stack.Options{})
	tok := e.token("applicant_QUY")
	id := e.post("/v1/applications", tok, e.application("Jo Hughes", 5_000_000), 201)["id"].(string)
	e.submit(id, tok, "QUY")

	get := func(token, accept string) (int, string) {
		req, _ := http.NewRequest("GET", e.stack.API+"/dev/mail", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Accept", accept)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	eventually(t, "the submission's email at /dev/mail", func() (bool, string) {
		code, body := get(e.token("admin"), "application/json")
		// The lead contact, the ICS lead and QUY's certifier, an
		// applicant user of QUY too.
		return code == 200 && strings.Count(body, `"subject":"Application received"`) == 3 &&
			strings.Contains(body, `"ics.lead.quy@example.nhs.uk"`) && strings.Contains(body, `"prevention.lead@nhs.net"`) && strings.Contains(body, `"rhian.evans@example.nhs.uk"`), fmt.Sprint(code, body)
	})
	if code, body := get(e.token("admin"), "text/html"); code != 200 || !strings.Contains(body, "Application received") || !strings.Contains(body, "rhian.evans@example.nhs.uk") {
		t.Errorf("page: %d %s", code, body)
	}
	if code, _ := get(e.token("reviewer1"), "application/json"); code != 403 {
		t.Errorf("a reviewer read the dev mail: %d", code)
	}
	if code, _ := get("", "application/json"); code != 401 {
		t.Errorf("nobody read the dev mail: %d", code)
	}
	if code, _ := get("", "text/html"); code != 303 {
		t.Errorf("a browser not signed in is not sent to sign in: %d", code)
	}

	// Staff choose a daily digest; applicants cannot.
	var pref map[string]bool
	if code := e.DoKey("PUT", "/v1/me/notification-preferences", e.token("programme_manager"), "pref-1", map[string]bool{"digest": true}, &pref); code != 200 || !pref["digest"] {
		t.Errorf("choose the digest: %d %v", code, pref)
	}
	if code := e.Do("GET", "/v1/me/notification-preferences", e.token("programme_manager"), nil, &pref); code != 200 || !pref["digest"] || !pref["can_choose"] {
		t.Errorf("read the preference: %d %v", code, pref)
	}
	var p problemBody
	if code := e.DoKey("PUT", "/v1/me/notification-preferences", e.token("applicant_QUY"), "pref-2", map[string]bool{"digest": true}, &p); code != 403 {
		t.Errorf("an applicant chose the digest: %d", code)
	}

	// The programme manager's routine messages of a whole lifecycle wait
	// for the morning's digest; their inbox has them now.
	e.runLifecycle("prevention.lead@nhs.net")
	pmID := e.tokens["programme_manager"].UserID
	eventually(t, "the programme manager's inbox", func() (bool, string) {
		var in struct {
			Items []map[string]any `json:"items"`
		}
		e.Do("GET", "/v1/me/notifications", e.token("programme_manager"), nil, &in)
		return len(in.Items) == 6, fmt.Sprint(len(in.Items), " items")
	})
	if _, body := get(e.token("admin"), "application/json"); strings.Contains(body, "sam.patel@example.nhs.uk") {
		t.Errorf("routine messages emailed at once to a programme manager on the digest")
	}
	d, err := e.temporal.DescribeWorkflowExecution(context.Background(), "digest:"+pmID, "")
	if err != nil || d.WorkflowExecutionInfo.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("no digest waiting for the morning: %v %v", d, err)
	}
}
