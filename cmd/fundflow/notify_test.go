//go:build !nodev

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fundflow/fundflow/internal/apitest"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/mailcatcher"
	"github.com/fundflow/fundflow/internal/notify"
	"github.com/fundflow/fundflow/internal/readmodel"
	"github.com/fundflow/fundflow/internal/testredis"
)

// Addresses the test's SMTP server treats specially, as lead contacts.
const (
	flakyLead   = "flaky.lead@example.nhs.uk"   // 451 at the first attempt
	bouncedLead = "no.such.lead@example.nhs.uk" // 550 always
)

// startMailEnv is startLifecycleEnv with email going to a real SMTP server
// the test runs: a go-smtp server that refuses flakyLead once and
// bouncedLead always.
func startMailEnv(t *testing.T, logs io.Writer) (*lifecycleEnv, *mailcatcher.Catcher) {
	t.Helper()
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mail.Close() })
	mail.Refuse(func(rcpt string, attempt int) *smtp.SMTPError {
		switch {
		case rcpt == flakyLead && attempt == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		case rcpt == bouncedLead:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user " + rcpt}
		}
		return nil
	})
	rdb, prefix := testredis.New(t)
	dir := t.TempDir()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = testredis.DefaultURL
	}
	d := startDevLogging(t, dir, logs, "--ephemeral", "--redis", url, "--redis-prefix", prefix, "--smtp-addr", mail.Addr(), "--smtp-tls", "none",
		"--mail-from", "Prevention Innovation Fund <fund@example.nhs.uk>", "--log-level", "info")
	waitReady(t, d.api)
	return &lifecycleEnv{httpClient: newHTTPClient(t, d.api), tokens: readTokens(t, dir), store: auth.NewStore(rdb, prefix, nil, nil),
		readModel: readmodel.NewStore(rdb, prefix), temporal: dialDev(t, d), redis: rdb, prefix: prefix}, mail
}

// devRoles names dev's seeded people by address.
var devRoles = map[string]string{
	"ics.lead.quy@example.nhs.uk": "applicant user", "ics.lead.7a1@example.nhs.uk": "applicant user",
	flakyLead: "lead contact", bouncedLead: "lead contact",
	"rhian.evans@example.nhs.uk": "reviewer", "ravi.shah@example.nhs.uk": "reviewer", "rosa.okafor@example.nhs.uk": "reviewer",
	"pat.morgan@example.nhs.uk": "panel chair", "sam.patel@example.nhs.uk": "programme manager", "ada.lovelace@example.nhs.uk": "admin",
}

// settled waits until every notification of application id is delivered
// or recorded failed.
func (e *lifecycleEnv) settled(id string) []map[string]any {
	e.t.Helper()
	var ns []map[string]any
	eventually(e.t, "notifications of "+id+" delivered", func() (bool, string) {
		var v struct {
			Notifications []map[string]any `json:"notifications"`
		}
		e.do("GET", "/v1/applications/"+id, e.token("admin"), nil, &v)
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

// awaitLetter waits for application id's letter of kind.
func (e *lifecycleEnv) awaitLetter(id, token, kind string) {
	e.t.Helper()
	eventually(e.t, kind+" letter", func() (bool, string) {
		var ls []letterBody
		e.do("GET", "/v1/applications/"+id+"/letters", token, nil, &ls)
		for _, l := range ls {
			if l.Kind == kind {
				return true, ""
			}
		}
		return false, fmt.Sprint(ls)
	})
}

// runLifecycle takes a QUY application from draft to completion, with
// lead as its lead contact's address, and returns its id.
func (e *lifecycleEnv) runLifecycle(lead string) string {
	t := e.t
	def := fund.SeedDefinition(time.Now())
	tok := e.token("applicant_QUY")
	id := e.toDeployment(lead)
	for _, m := range def.Milestones {
		base := "/v1/applications/" + id + "/milestones/" + m.ID
		e.post(base+"/evidence", tok, map[string]any{"summary": "Done: " + m.Title, "metrics": map[string]int{"people_onboarded": 1200},
			"outcomes": sampleOutcomes(m.ID, 1200), "links": []string{"https://example.nhs.uk/evidence"},
			"documents": e.AttachRequired(id, tok, m)}, 200)
		e.post(base+"/verify", e.token("programme_manager"), map[string]string{"decision": "verify", "note": "Checked."}, 200)
	}
	if s := e.status(id); s != "completed" {
		t.Fatalf("lifecycle ended %s", s)
	}
	return id
}

// toDeployment takes a QUY application from draft to an accepted award,
// with lead as its lead contact's address, and returns its id.
func (e *lifecycleEnv) toDeployment(lead string) string {
	def := fund.SeedDefinition(time.Now())
	tok := e.token("applicant_QUY")
	body := apitest.Application(fund.SeedID, "Jo Hughes", 8_000_000)
	body["lead_contact"] = map[string]any{"name": "Jo Hughes", "email": lead, "role": "Head of Prevention"}
	id := e.post("/v1/applications", tok, body, 201)["id"].(string)
	e.post("/v1/applications/"+id+"/submit", tok, nil, 200)
	e.post("/v1/applications/"+id+"/eligibility", e.token("reviewer1"), map[string]string{"decision": "pass", "reason": "Eligible ICS-level body."}, 200)
	for _, r := range e.assigned(id) {
		e.post("/v1/applications/"+id+"/assessments", e.reviewerToken(r), assessment(def, 5), 200)
	}
	e.post("/v1/applications/"+id+"/decision", e.token("panel_chair"), map[string]any{"outcome": "approve", "amount_pence": 8_000_000, "feedback": "Strong."}, 200)
	e.awaitLetter(id, tok, "offer")
	e.post("/v1/applications/"+id+"/offer/accept", tok, map[string]string{"signatory_name": "Dr Rhiannon Price", "signatory_role": "Director of Public Health"}, 200)
	return id
}

var linkLine = regexp.MustCompile(`(?m): (http://\S+)\s*$`)

// TestNotificationsReachPeople runs one application from draft to
// completion with email going to a real SMTP server: each person gets each
// of their messages once, with a link to a page they can open; the lead
// contact's server answering 451 at first gets it once on the retry; and a
// second application whose lead contact's address is refused for good
// records that on its timeline and is not retried.
func TestNotificationsReachPeople(t *testing.T) {
	var logs lockedBuffer
	e, mail := startMailEnv(t, &logs)
	id := e.runLifecycle(flakyLead)
	outbox := e.settled(id)

	// The bounced application: its lead contact's server says 550.
	tok7 := e.token("applicant_7A1")
	body := apitest.Application(fund.SeedID, "Llŷr Jones", 5_000_000)
	body["lead_contact"] = map[string]any{"name": "Llŷr Jones", "email": bouncedLead, "role": "Lead"}
	bounced := e.post("/v1/applications", tok7, body, 201)["id"].(string)
	e.post("/v1/applications/"+bounced+"/submit", tok7, nil, 200)
	e.settled(bounced)

	msgs := mail.Messages()
	byID := map[string]int{}
	count := map[string]int{}
	// The ICS lead signs in as a person, as the dev identity provider
	// would sign them in; the dev applicant token is a machine's, with no
	// inbox.
	lead, _, err := e.store.StartSession(context.Background(), "ics.lead.quy@example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	tokenFor := map[string]string{
		"ics.lead.quy@example.nhs.uk": lead, flakyLead: e.token("applicant_QUY"),
		"rhian.evans@example.nhs.uk": e.token("reviewer1"), "ravi.shah@example.nhs.uk": e.token("reviewer2"), "rosa.okafor@example.nhs.uk": e.token("reviewer3"),
		"pat.morgan@example.nhs.uk": e.token("panel_chair"), "sam.patel@example.nhs.uk": e.token("programme_manager"), "ada.lovelace@example.nhs.uk": e.token("admin"),
	}
	checked := map[string]bool{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("message %s to %v: one person a message", m.MessageID, m.To)
		}
		to := m.To[0]
		byID[m.MessageID]++
		if byID[m.MessageID] > 1 {
			t.Errorf("%s received twice by %s", m.MessageID, to)
		}
		if !strings.Contains(m.Raw, "application:"+id+":") && !strings.Contains(m.Raw, "application:"+bounced+":") {
			t.Errorf("message %s has no outbox key", m.MessageID)
		}
		role, ok := devRoles[to]
		if !ok {
			t.Errorf("message to a stranger: %s", to)
		}
		count[fmt.Sprintf("%-38s %s", m.Subject, role)]++
		if !strings.Contains(m.HTML, "<a href=") || !strings.Contains(m.Text, "Dear ") {
			t.Errorf("%s: text or HTML part missing", m.Subject)
		}
		// Every link opens a page for the person it was sent to.
		link := linkLine.FindStringSubmatch(m.Text)
		if link == nil {
			t.Fatalf("%q has no link: %s", m.Subject, m.Text)
		}
		if checked[to+link[1]] || tokenFor[to] == "" {
			continue
		}
		checked[to+link[1]] = true
		req, _ := http.NewRequest("GET", link[1], nil)
		req.AddCookie(&http.Cookie{Name: "fundflow_session", Value: tokenFor[to]})
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%q link %s for %s: %d", m.Subject, link[1], role, res.StatusCode)
		}
	}
	var lines []string
	for k, n := range count {
		lines = append(lines, fmt.Sprintf("%3d  %s", n, k))
	}
	sort.Strings(lines)
	t.Logf("messages received (one lifecycle, plus one bounced submission):\n%s", strings.Join(lines, "\n"))

	want := map[string]int{
		"Application received                   applicant user": 2, "Application received                   lead contact": 1,
		"Application awaiting eligibility screening reviewer":   6,
		"Application to assess                  reviewer":       2,
		"Application ready for the panel        panel chair":    1,
		"Offer of funding                       applicant user": 1, "Offer of funding                       lead contact": 1,
		"Offer accepted                         programme manager": 1,
		"Award completed                        applicant user":    1, "Award completed                        lead contact": 1,
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%q: %d messages, want %d", k, count[k], n)
		}
	}
	milestones := len(fund.SeedDefinition(time.Now()).Milestones)
	for _, k := range []string{"Milestone verified                     applicant user", "Milestone verified                     lead contact", "Milestone evidence to verify           programme manager"} {
		if count[k] != milestones {
			t.Errorf("%q: %d messages, want %d", k, count[k], milestones)
		}
	}
	for _, n := range outbox {
		if n["delivered"] != true {
			t.Errorf("lifecycle notification %v not delivered", n["key"])
		}
	}

	// The 5xx was recorded and not retried: one attempt per message.
	var tl struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/v1/applications/"+bounced+"/timeline", e.token("admin"), nil, &tl)
	failed := 0
	for _, it := range tl.Items {
		if it["action"] == "notification_failed" {
			failed++
			if !strings.Contains(fmt.Sprint(it["detail"]), "smtp 550 5.1.1") || strings.Contains(fmt.Sprint(it["detail"]), bouncedLead) {
				t.Errorf("failure entry: %v", it["detail"])
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d notification_failed entries for the bounced lead, want 1 (the received message)", failed)
	}
	time.Sleep(3 * time.Second)
	if n := mail.Attempts(bouncedLead); n != 1 {
		t.Errorf("the refused address was tried %d times, want once", n)
	}
	// The flaky server's 451 cost one extra attempt, and no extra message.
	received := 0
	for _, m := range msgs {
		if m.To[0] == flakyLead {
			received++
		}
	}
	if n := mail.Attempts(flakyLead); n != received+1 {
		t.Errorf("the flaky address was tried %d times for %d messages, want one retry", n, received)
	}

	// Each person's inbox holds what they were emailed, unread first.
	emailed := map[string]int{}
	for _, m := range msgs {
		emailed[m.To[0]]++
	}
	type inbox struct {
		Items []struct {
			ID   string `json:"id"`
			Link string `json:"link"`
			Read bool   `json:"read"`
		} `json:"items"`
		Unread int `json:"unread"`
	}
	pm := e.token("programme_manager")
	for addr, tok := range tokenFor {
		if addr == flakyLead {
			continue
		}
		var in inbox
		eventually(t, addr+"'s inbox", func() (bool, string) {
			e.do("GET", "/v1/me/notifications", tok, nil, &in)
			return len(in.Items) == emailed[addr] && in.Unread == emailed[addr], fmt.Sprint(len(in.Items), " items, ", emailed[addr], " emailed")
		})
	}
	var in inbox
	e.do("GET", "/v1/me/notifications", pm, nil, &in)
	first := in.Items[0].ID
	e.post("/v1/me/notifications/"+url.PathEscape(first)+"/read", pm, nil, 200)
	e.post("/v1/me/notifications/"+url.PathEscape(first)+"/read", pm, nil, 200)
	var p problemBody
	if code := e.doKey("POST", "/v1/me/notifications/"+url.PathEscape(first)+"/read", e.token("reviewer1"), "not-mine", nil, &p); code != 404 {
		t.Errorf("someone else's notification marked read: %d", code)
	}
	readAfter := func(what string) {
		var in inbox
		e.do("GET", "/v1/me/notifications", pm, nil, &in)
		if n := len(in.Items); n == 0 || in.Unread != n-1 || in.Items[n-1].ID != first || !in.Items[n-1].Read {
			t.Errorf("%s: the read notification is not last and read: %+v", what, in)
		}
	}
	readAfter("marked read")

	// Redis loses the inboxes; reindex rebuilds them, read marks included,
	// from the outboxes and the directory.
	ctx := context.Background()
	keys, err := e.redis.Keys(ctx, e.prefix+"inbox*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("inbox keys: %v %v", keys, err)
	}
	e.redis.Del(ctx, keys...)
	st, err := directoryState(ctx, e.temporal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rebuildInbox(ctx, e.temporal, &notify.Inbox{Redis: e.redis, Prefix: e.prefix}, st); err != nil {
		t.Fatal(err)
	}
	readAfter("rebuilt")

	// No names, addresses or narrative in the log of all that.
	log := logs.String()
	if !strings.Contains(log, `"level"`) {
		t.Fatalf("no log captured: %q", log)
	}
	for _, personal := range []string{"Jo Hughes", "Llŷr Jones", flakyLead, bouncedLead, "ics.lead.quy", "rhian.evans", "Rhian Evans", "Ravi Shah", "Pat Morgan",
		"Sam Patel", "Ada Lovelace", "Rhiannon Price", "set out here in enough detail", "Checked.", "Strong.", "Done: "} {
		if strings.Contains(log, personal) {
			i := strings.Index(log, personal)
			t.Errorf("the log holds %q: …%s…", personal, log[max(0, i-200):min(len(log), i+100)])
		}
	}
}
