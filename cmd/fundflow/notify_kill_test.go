//go:build !nodev

package main

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fundflow/fundflow/internal/mailcatcher"
	"github.com/fundflow/fundflow/internal/testredis"
)

// TestNotificationsSurviveSIGKILL kills `fundflow dev` with SIGKILL while
// it is emailing, through a deliberately slow SMTP server, and restarts it
// over the same data: every message arrives, and at most the one in flight
// at the kill twice, under the same Message-ID. The sent
// markers live in Redis, so the test uses a real one that outlives the
// process, as production does.
func TestNotificationsSurviveSIGKILL(t *testing.T) {
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	// Slow at RCPT, before the message is handed over, so the kill lands
	// while a delivery is open.
	mail.Refuse(func(string, int) *smtp.SMTPError { time.Sleep(150 * time.Millisecond); return nil })
	_, prefix := testredis.New(t)
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = testredis.DefaultURL
	}
	dir := t.TempDir()
	extra := []string{"--redis", url, "--redis-prefix", prefix, "--smtp-addr", mail.Addr(), "--smtp-tls", "none"}
	cmd, d := spawnDev(t, dir, extra...)
	toks := readTokens(t, dir)
	hc := newHTTPClient(t, d.api)
	orgs := []string{"QUY", "7A1", "QOP", "SG9"}
	var ids []string
	for _, org := range orgs {
		tok := toks["applicant_"+org].Token
		var created struct {
			ID string `json:"id"`
		}
		if code := hc.doKey("POST", "/v1/applications", tok, "kill-create-"+org, fullApplication("Lead "+org, 5_000_000), &created); code != 201 {
			t.Fatalf("create %s: %d", org, code)
		}
		if code := hc.doKey("POST", "/v1/applications/"+created.ID+"/submit", tok, "kill-submit-"+org, nil, nil); code != 200 {
			t.Fatalf("submit %s: %d", org, code)
		}
		ids = append(ids, created.ID)
	}
	// Each submission tells the lead contact, the organisation's ICS lead
	// and the fund's three reviewers.
	const perApplication = 5
	deadline := time.Now().Add(60 * time.Second)
	for len(mail.Messages()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages before the kill", len(mail.Messages()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := len(mail.Messages())
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if before >= len(orgs)*perApplication {
		t.Fatalf("every message was out before the kill (%d); the test proves nothing", before)
	}
	_, d = spawnDev(t, dir, extra...)
	hc = newHTTPClient(t, d.api)
	admin := readTokens(t, dir)["admin"].Token
	deadline = time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			var v struct {
				Notifications []struct {
					Key       string `json:"key"`
					Delivered bool   `json:"delivered"`
					Failed    bool   `json:"failed"`
				} `json:"notifications"`
			}
			hc.do("GET", "/v1/applications/"+id, admin, nil, &v)
			pending := len(v.Notifications) == 0
			for _, n := range v.Notifications {
				if n.Failed {
					t.Fatalf("%s failed after the restart", n.Key)
				}
				pending = pending || !n.Delivered
			}
			if !pending {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's notifications not delivered after the restart: %+v", id, v.Notifications)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Nothing is lost. A copy can repeat only if the kill fell between the
	// server accepting it and its sent marker being written: then that one
	// message arrives twice, under the same Message-ID, which is how a
	// reader tells it is the same message. One kill, at most one repeat.
	seen := map[string]int{}
	for _, m := range mail.Messages() {
		seen[m.MessageID]++
	}
	repeats := 0
	for id, n := range seen {
		if n > 1 {
			repeats += n - 1
			t.Logf("%s arrived %d times: the kill fell between the server's reply and the sent marker", id, n)
		}
	}
	if repeats > 1 {
		t.Errorf("%d repeated copies after one kill", repeats)
	}
	if got, want := len(seen), len(orgs)*perApplication; got != want {
		t.Errorf("%d distinct messages arrived, want %d", got, want)
	}
	t.Logf("%d of %d messages were out when the worker was killed; %d arrived in all, %d repeated", before, len(orgs)*perApplication, len(mail.Messages()), repeats)
}
