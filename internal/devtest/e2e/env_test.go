package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/outcome"
	"github.com/fundflow/fundflow/workflows"
)

// env is one test's view of a running stack: an API client that checks
// every answer against the OpenAPI document, the dev tokens, the stack's
// Temporal client, and the fund the test applies to.
type env struct {
	*apitest.Client
	t        *testing.T
	stack    *stack.Stack
	tokens   map[string]devseed.Token
	temporal client.Client
	// fund is the fund this test's applications go to: its own, made by
	// newFund, on the shared stack; the seeded one on a stack of its own.
	fund fund.Definition
}

// shared is an env on the package's shared stack, with a fund of the
// test's own (made by newFund with edit), so nothing an earlier test did
// can change what it sees.
func shared(t *testing.T, edit ...func(*fund.Definition)) *env {
	t.Helper()
	e := newEnv(t, stack.Shared(t))
	e.fund = e.newFund(edit...)
	return e
}

// own is an env on a stack of the test's own, started with o, applying to
// a fund of its own as shared's do: dev's seeded fund is offered on grant
// terms with returns that keep an award open for a year, and its awards
// are dev's to seed. Such a test shares nothing, so it runs in parallel
// with the others like it, once the tests on the shared stack are done:
// most of its time is spent waiting on timers, letters and deliveries.
func own(t *testing.T, o stack.Options) *env {
	t.Helper()
	t.Parallel()
	e := newEnv(t, stack.Start(t, o))
	// As dev's funds do, it asks for the certifier's sign-off.
	e.fund = e.newFund(func(d *fund.Definition) { d.SignOff = fund.SignOff{Required: true} })
	return e
}

func newEnv(t *testing.T, s *stack.Stack) *env {
	return &env{Client: s.HTTP(t), t: t, stack: s, tokens: s.Tokens(t), temporal: s.Client(t)}
}

var funds atomic.Int64

// socialPrescribing makes a test's fund the social-prescribing fund dev
// seeds, with its own form, under the test's fund id.
func socialPrescribing(d *fund.Definition) {
	id, name := d.ID, d.Name
	*d = fund.SocialPrescribingDefinition(time.Now())
	d.ID, d.Name = id, name
}

var notSlug = regexp.MustCompile(`[^a-z0-9]+`)

// testPrefix is the n-th test fund's reference prefix, T and n in the
// letters A to Z as digits (TB, TC, …, TBA), so no two funds on a stack,
// nor dev's seeded PIF and CSP, share one.
func testPrefix(n int64) string {
	p := ""
	for ; n > 0; n /= 26 {
		p = string(rune('A'+n%26)) + p
	}
	return "T" + p
}

// newFund creates and opens a fund of the test's own on the stack: the
// seeded fund's definition (four awards of up to £80,000 from £320,000)
// under a new id, changed by edit, staffed by dev's three reviewers.
func (e *env) newFund(edit ...func(*fund.Definition)) fund.Definition {
	e.t.Helper()
	def := fund.SeedDefinition(time.Now())
	slug := strings.Trim(notSlug.ReplaceAllString(strings.ToLower(e.t.Name()), "-"), "-")
	n := funds.Add(1)
	def.ID = fmt.Sprintf("t%d-%.40s", n, slug)
	def.ID = strings.TrimRight(def.ID, "-")
	def.Name = "Test fund for " + e.t.Name()
	for _, f := range edit {
		f(&def)
	}
	def.ReferencePrefix = testPrefix(n)
	admin := e.token("admin")
	e.post("/v1/funds", admin, def, http.StatusCreated)
	e.post("/v1/funds/"+def.ID+"/open", admin, map[string]string{"reason": "opened by " + e.t.Name()}, http.StatusOK)
	var reviewers []string
	for _, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		reviewers = append(reviewers, e.tokens[name].UserID)
	}
	if code := e.Client.DoKey(http.MethodPut, "/v1/funds/"+def.ID+"/reviewers", admin, "pool-"+def.ID,
		map[string]any{"reviewers": reviewers, "reason": "dev's reviewers"}, nil); code != http.StatusOK {
		e.t.Fatalf("staff fund %s: %d", def.ID, code)
	}
	return def
}

func (e *env) token(name string) string {
	e.t.Helper()
	tok := e.tokens[name].Token
	if tok == "" {
		e.t.Fatalf("no dev token %s", name)
	}
	return tok
}

// reviewerToken maps the principal id the workflows name reviewers by back
// to a dev token.
func (e *env) reviewerToken(id string) string {
	e.t.Helper()
	for _, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		if e.tokens[name].UserID == id {
			return e.token(name)
		}
	}
	e.t.Fatalf("reviewer %s is not a dev reviewer", id)
	return ""
}

// reviewerLabel is how the dev identity provider lists the dev reviewer
// with that id.
func (e *env) reviewerLabel(id string) string {
	e.t.Helper()
	for i, name := range []string{"reviewer1", "reviewer2", "reviewer3"} {
		if e.tokens[name].UserID == id {
			return fmt.Sprintf("Reviewer %d", i+1)
		}
	}
	e.t.Fatalf("reviewer %s is not a dev reviewer", id)
	return ""
}

// DoKey is apitest's DoKey with the key scoped to the test's fund: tests
// sharing a stack use the same dev tokens, and a key one test sent would
// otherwise replay its answer to another.
func (e *env) DoKey(method, path, token, key string, body, out any) int {
	e.t.Helper()
	if key != "" {
		key = e.fund.ID + ":" + key
	}
	return e.Client.DoKey(method, path, token, key, body, out)
}

// post sends a command with a fresh Idempotency-Key and expects status.
func (e *env) post(path, token string, body any, want int) map[string]any {
	e.t.Helper()
	var out map[string]any
	if code := e.DoKey(http.MethodPost, path, token, fmt.Sprintf("k-%d", time.Now().UnixNano()), body, &out); code != want {
		e.t.Fatalf("POST %s: %d, want %d: %v", path, code, want, out)
	}
	return out
}

// application is a complete draft for the test's fund.
func (e *env) application(lead string, requested int64) map[string]any {
	return apitest.Application(e.fund.ID, lead, requested)
}

// assessment scores every criterion of the test's fund alike.
func (e *env) assessment(score int) map[string]any { return apitest.Assessment(e.fund, score) }

// outcomes are valid outcome figures for milestone of an application made
// by application, which deploys on both routes.
func (e *env) outcomes(milestone string, size int64) []fund.Figure {
	return outcome.Sample(e.fund, milestone, []string{"primary_care_public_health", "nhs_app"}, size)
}

// eventually retries check until it holds, for up to 30 seconds: letters,
// notifications and the read model follow a command by a moment.
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		ok, state := check()
		assert.True(c, ok, "%s: still %s", what, state)
	}, 30*time.Second, 200*time.Millisecond)
}

// waitFor is eventually for a check with nothing to report.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	require.Eventually(t, ok, 30*time.Second, 200*time.Millisecond, what)
}

// status is an application's status, as staff see it.
func (e *env) status(id string) string {
	var v struct{ Status string }
	e.Do(http.MethodGet, "/v1/applications/"+id, e.token("admin"), nil, &v)
	return v.Status
}

// assigned is the reviewers the fund assigned to an application.
func (e *env) assigned(id string) []string {
	e.t.Helper()
	var v struct {
		Panel struct {
			Assignments []struct {
				Reviewer struct{ ID string }
			}
		}
	}
	e.Do(http.MethodGet, "/v1/applications/"+id, e.token("admin"), nil, &v)
	var ids []string
	for _, a := range v.Panel.Assignments {
		ids = append(ids, a.Reviewer.ID)
	}
	if len(ids) == 0 {
		e.t.Fatalf("no reviewers assigned to %s", id)
	}
	return ids
}

// settled waits until every notification of application id is delivered
// or recorded failed.
func (e *env) settled(id string) []map[string]any {
	e.t.Helper()
	var ns []map[string]any
	eventually(e.t, "notifications of "+id+" delivered", func() (bool, string) {
		var v struct {
			Notifications []map[string]any `json:"notifications"`
		}
		e.Do(http.MethodGet, "/v1/applications/"+id, e.token("admin"), nil, &v)
		ns = v.Notifications
		for _, n := range ns {
			if n["delivered"] != true && n["failed"] != true {
				return false, fmt.Sprint(n["key"], " pending")
			}
		}
		return len(ns) > 0, fmt.Sprint(len(ns), " notifications")
	})
	return ns
}

type letterBody struct {
	Ref      string `json:"ref"`
	Kind     string `json:"kind"`
	IssuedAt string `json:"issued_at"`
	SHA256   string `json:"sha256"`
	URL      string `json:"url"`
}

// awaitLetter waits for application id's letter of kind.
func (e *env) awaitLetter(id, token, kind string) {
	e.t.Helper()
	eventually(e.t, kind+" letter", func() (bool, string) {
		var ls []letterBody
		e.Do(http.MethodGet, "/v1/applications/"+id+"/letters", token, nil, &ls)
		for _, l := range ls {
			if l.Kind == kind {
				return true, ""
			}
		}
		return false, fmt.Sprint(ls)
	})
}

// submit submits an application of org, and where the fund asks for
// sign-off (dev's seeded funds do) signs it off as org's dev certifier.
func (e *env) submit(id, token, org string) {
	e.t.Helper()
	if code := e.Client.Submit(id, token, e.tokens[devseed.CertifierToken(org)].Token, fmt.Sprintf("%s:submit-%s", e.fund.ID, id)); code != http.StatusOK {
		e.t.Fatalf("submit %s: %d", id, code)
	}
}

// toDeployment takes a QUY application from draft to an accepted award,
// with lead as its lead contact's address, and returns its id.
func (e *env) toDeployment(lead string) string {
	e.t.Helper()
	id := e.toOffer(lead)
	e.accept(id, "QUY")
	return id
}

// accept accepts org's offer: on a fund with grant terms (dev's seeded
// funds have them) by its certifier signing the agreement, otherwise by
// its applicant naming a signatory.
func (e *env) accept(id, org string) {
	e.t.Helper()
	var agreement struct {
		Terms struct {
			SHA256 string `json:"sha256"`
		} `json:"terms"`
	}
	certifier := e.token(devseed.CertifierToken(org))
	if code := e.Do(http.MethodGet, "/v1/applications/"+id+"/agreement", certifier, nil, &agreement); code == http.StatusOK {
		e.post("/v1/applications/"+id+"/offer/accept", certifier, e.signature(certifier, agreement.Terms.SHA256), http.StatusOK)
		return
	}
	e.post("/v1/applications/"+id+"/offer/accept", e.token(devseed.ApplicantToken(org)), map[string]string{"signatory_name": "Dr Rhiannon Price", "signatory_role": "Director of Public Health"}, http.StatusOK)
}

// signature is a certifier's signature of terms: their name as their
// account gives it, the declaration made, the terms' hash.
func (e *env) signature(certifier, sha string) map[string]any {
	e.t.Helper()
	var me struct{ Name string }
	if code := e.Do(http.MethodGet, "/v1/me", certifier, nil, &me); code != http.StatusOK {
		e.t.Fatalf("GET /v1/me: %d", code)
	}
	return map[string]any{"signatory_name": me.Name, "terms_sha256": sha, "declare": true}
}

// toOffer takes a QUY application from draft to an offer of £80,000 whose
// letter is written, and returns its id.
func (e *env) toOffer(lead string) string {
	e.t.Helper()
	tok := e.token("applicant_QUY")
	body := e.application("Jo Hughes", 8_000_000)
	body["lead_contact"] = map[string]any{"name": "Jo Hughes", "email": lead, "role": "Head of Prevention"}
	id := e.post("/v1/applications", tok, body, http.StatusCreated)["id"].(string)
	e.submit(id, tok, "QUY")
	e.post("/v1/applications/"+id+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, http.StatusOK)
	for _, r := range e.assigned(id) {
		e.post("/v1/applications/"+id+"/assessments", e.reviewerToken(r), e.assessment(5), http.StatusOK)
	}
	e.post("/v1/applications/"+id+"/decision", e.token("panel_chair"), map[string]any{"outcome": "approve", "amount_pence": 8_000_000, "feedback": "Strong."}, http.StatusOK)
	e.awaitLetter(id, tok, "offer")
	return id
}

// runLifecycle takes a QUY application from draft to completion, with
// lead as its lead contact's address, and returns its id.
func (e *env) runLifecycle(lead string) string {
	e.t.Helper()
	tok := e.token("applicant_QUY")
	id := e.toDeployment(lead)
	for _, m := range e.fund.Milestones {
		base := "/v1/applications/" + id + "/milestones/" + m.ID
		e.post(base+"/evidence", tok, map[string]any{"summary": "Done: " + m.Title, "metrics": map[string]int{"people_onboarded": 1200},
			"outcomes": e.outcomes(m.ID, 1200), "links": []string{"https://example.nhs.uk/evidence"},
			"documents": e.AttachRequired(id, tok, m)}, http.StatusOK)
		e.post(base+"/verify", e.token("programme_manager"), map[string]string{"decision": "verify", "note": "Checked."}, http.StatusOK)
	}
	if s := e.status(id); s != "completed" {
		e.t.Fatalf("lifecycle ended %s", s)
	}
	return id
}

// quiet waits until nothing is still on its way to the read model: every
// notification of ids delivered or failed, and each projection at its
// workflow's version on two reads a second apart. Letters and notifications
// finish after the last command, and one projected after a flush would
// look like a repair that nobody made.
func (e *env) quiet(ids []string) {
	e.t.Helper()
	for _, id := range ids {
		e.settled(id)
	}
	caughtUp := func() (bool, string) {
		for _, id := range ids {
			resp, err := e.temporal.QueryWorkflow(context.Background(), workflows.ApplicationWorkflowID(id), "", workflows.QueryApplication, workflows.ViewQuery{})
			var v workflows.ApplicationView
			if err == nil {
				err = resp.Get(&v)
			}
			if err != nil {
				return false, err.Error()
			}
			if _, projected, _, err := e.stack.ReadModel.View(context.Background(), id); err != nil || projected != v.Version {
				return false, fmt.Sprintf("%s projected at %d of %d (%v)", id, projected, v.Version, err)
			}
		}
		return true, ""
	}
	eventually(e.t, "read model caught up", func() (bool, string) {
		if ok, state := caughtUp(); !ok {
			return false, state
		}
		time.Sleep(time.Second)
		return caughtUp()
	})
}

type fundBody struct {
	ID         string          `json:"id"`
	Definition fund.Definition `json:"definition"`
	Status     string          `json:"status"`
	Budget     fund.Balances   `json:"budget"`
	Awards     struct {
		Count int `json:"count"`
		Max   int `json:"max"`
	} `json:"awards"`
}

type problemBody struct {
	Code   string                `json:"code"`
	Errors []fundflow.FieldError `json:"errors"`
}
