package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fundflow/fundflow/internal/devtest/mailcatcher"
	"github.com/fundflow/fundflow/internal/devtest/stack"
)

// Addresses the test's SMTP server treats specially, as lead contacts.
const (
	flakyLead   = "flaky.lead@example.nhs.uk"   // 451 at the first attempt
	bouncedLead = "no.such.lead@example.nhs.uk" // 550 always
)

// startMailEnv is a stack of the test's own with email going to a real
// SMTP server the test runs: a go-smtp server that refuses flakyLead once
// and bouncedLead always.
func startMailEnv(t *testing.T) (*env, *mailcatcher.Catcher) {
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
	return own(t, stack.Options{Args: []string{"--smtp-addr", mail.Addr(), "--smtp-tls", "none",
		"--mail-from", "Prevention Innovation Fund <fund@example.nhs.uk>", "--log-level", "info"}}), mail
}

// devRoles names dev's seeded people by address.
var devRoles = map[string]string{
	"ics.lead.quy@example.nhs.uk": "applicant user", "ics.lead.7a1@example.nhs.uk": "applicant user",
	"cfo.quy@example.nhs.uk": "applicant user", "cfo.7a1@example.nhs.uk": "applicant user",
	flakyLead: "lead contact", bouncedLead: "lead contact",
	"rhian.evans@example.nhs.uk": "reviewer", "ravi.shah@example.nhs.uk": "reviewer", "rosa.okafor@example.nhs.uk": "reviewer",
	"pat.morgan@example.nhs.uk": "panel chair", "sam.patel@example.nhs.uk": "programme manager", "ada.lovelace@example.nhs.uk": "admin",
}

var linkLine = regexp.MustCompile(`(?m): (http://\S+)\s*$`)

// TestNotificationsReachPeople runs one application from draft to
// completion with email going to a real SMTP server: each person gets each
// of their messages once, with a link to a page they can open; the lead
// contact's server answering 451 at first gets it once on the retry; and a
// second application whose lead contact's address is refused for good
// records that on its timeline and is not retried.
func TestNotificationsReachPeople(t *testing.T) {
	e, mail := startMailEnv(t)
	id := e.runLifecycle(flakyLead)
	outbox := e.settled(id)

	// The bounced application: its lead contact's server says 550.
	tok7 := e.token("applicant_7A1")
	body := e.application("Llŷr Jones", 5_000_000)
	body["lead_contact"] = map[string]any{"name": "Llŷr Jones", "email": bouncedLead, "role": "Lead"}
	bounced := e.post("/v1/applications", tok7, body, 201)["id"].(string)
	e.submit(bounced, tok7, "7A1")
	e.settled(bounced)

	msgs := mail.Messages()
	byID := map[string]int{}
	count := map[string]int{}
	// The ICS lead signs in as a person, as the dev identity provider
	// would sign them in; the dev applicant token is a machine's, with no
	// inbox.
	lead, _, err := e.stack.Auth.StartSession(context.Background(), "ics.lead.quy@example.nhs.uk")
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

	// Each organisation's applicant users are its ICS lead and its chief
	// finance officer.
	want := map[string]int{
		"Application received                   applicant user": 4, "Application received                   lead contact": 1,
		"Application awaiting eligibility screening reviewer":   6,
		"Application to assess                  reviewer":       2,
		"Application ready for the panel        panel chair":    1,
		"Offer of funding                       applicant user": 2, "Offer of funding                       lead contact": 1,
		"Offer accepted                         programme manager": 1,
		"Award completed                        applicant user":    2, "Award completed                        lead contact": 1,
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%q: %d messages, want %d", k, count[k], n)
		}
	}
	milestones := len(e.fund.Milestones)
	for k, per := range map[string]int{"Milestone verified                     applicant user": 2, "Milestone verified                     lead contact": 1, "Milestone evidence to verify           programme manager": 1} {
		if count[k] != per*milestones {
			t.Errorf("%q: %d messages, want %d", k, count[k], per*milestones)
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
	e.Do("GET", "/v1/applications/"+bounced+"/timeline", e.token("admin"), nil, &tl)
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
			e.Do("GET", "/v1/me/notifications", tok, nil, &in)
			return len(in.Items) == emailed[addr] && in.Unread == emailed[addr], fmt.Sprint(len(in.Items), " items, ", emailed[addr], " emailed")
		})
	}
	var in inbox
	e.Do("GET", "/v1/me/notifications", pm, nil, &in)
	first := in.Items[0].ID
	e.post("/v1/me/notifications/"+url.PathEscape(first)+"/read", pm, nil, 200)
	e.post("/v1/me/notifications/"+url.PathEscape(first)+"/read", pm, nil, 200)
	var p problemBody
	if code := e.DoKey("POST", "/v1/me/notifications/"+url.PathEscape(first)+"/read", e.token("reviewer1"), "not-mine", nil, &p); code != 404 {
		t.Errorf("someone else's notification marked read: %d", code)
	}
	readAfter := func(what string) {
		var in inbox
		e.Do("GET", "/v1/me/notifications", pm, nil, &in)
		if n := len(in.Items); n == 0 || in.Unread != n-1 || in.Items[n-1].ID != first || !in.Items[n-1].Read {
			t.Errorf("%s: the read notification is not last and read: %+v", what, in)
		}
	}
	readAfter("marked read")

	// Redis loses the inboxes; reindex rebuilds them, read marks included,
	// from the outboxes and the directory.
	ctx := context.Background()
	keys, err := e.stack.Redis.Keys(ctx, e.stack.Prefix+"inbox*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("inbox keys: %v %v", keys, err)
	}
	e.stack.Redis.Del(ctx, keys...)
	if out, errs, err := e.stack.Run(t, "reindex"); err != nil || !strings.Contains(out, "rebuilt the inboxes") {
		t.Fatalf("reindex: %v\n%s%s", err, out, errs)
	}
	readAfter("rebuilt")

	// No names, addresses or narrative in the log of all that.
	log := e.stack.Log.String()
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
