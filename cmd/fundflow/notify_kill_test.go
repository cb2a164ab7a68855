//go:build !nodev

package main

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/mailcatcher"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/fund"
)

// TestNotificationsSurviveSIGKILL kills `fundflow dev` with SIGKILL while
// it is emailing, through a deliberately slow SMTP server, and restarts it
// over the same data: every message arrives, and at most the one in flight
// at the kill twice, under the same Message-ID. The sent
// markers live in Redis, so the test uses a real one that outlives the
// process, as production does.
func TestNotificationsSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	// Slow at RCPT, before the message is handed over, so the kill lands
	// while a delivery is open.
	mail.Refuse(func(string, int) *smtp.SMTPError { time.Sleep(150 * time.Millisecond); return nil })
	d := stack.Start(t, stack.Options{Persist: true, Args: []string{"--smtp-addr", mail.Addr(), "--smtp-tls", "none"}})
	toks := d.Tokens(t)
	hc := d.HTTP(t)
	orgs := []string{"QUY", "7A1", "QOP", "SG9"}
	var ids []string
	for _, org := range orgs {
		tok := toks["applicant_"+org].Token
		var created struct {
			ID string `json:"id"`
		}
		if code := hc.DoKey("POST", "/v1/applications", tok, "kill-create-"+org, apitest.Application(fund.SeedID, "Lead "+org, 5_000_000), &created); code != 201 {
			t.Fatalf("create %s: %d", org, code)
		}
		if code := hc.Submit(created.ID, tok, toks[devseed.CertifierToken(org)].Token, "kill-submit-"+org); code != 200 {
			t.Fatalf("submit %s: %d", org, code)
		}
		ids = append(ids, created.ID)
	}
	// Dev's fund asks for sign-off: each bid tells its certifier it is
	// waiting, and once signed off tells the lead contact, the
	// organisation's ICS lead and certifier, and the fund's three
	// reviewers.
	const perApplication = 7
	require.Eventually(t, func() bool { return len(mail.Messages()) >= 3 }, time.Minute, 20*time.Millisecond,
		"three messages out before the kill")
	before := len(mail.Messages())
	d.Kill(t)
	if before >= len(orgs)*perApplication {
		t.Fatalf("every message was out before the kill (%d); the test proves nothing", before)
	}
	d = d.Restart(t)
	hc = d.HTTP(t)
	admin := d.Tokens(t)["admin"].Token
	for _, id := range ids {
		// A failure is final: the wait ends at once, and the test with it.
		var failed string
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var v struct {
				Notifications []struct {
					Key       string `json:"key"`
					Delivered bool   `json:"delivered"`
					Failed    bool   `json:"failed"`
				} `json:"notifications"`
			}
			hc.Do("GET", "/v1/applications/"+id, admin, nil, &v)
			assert.NotEmpty(c, v.Notifications, "%s has no notifications yet", id)
			for _, n := range v.Notifications {
				if n.Failed {
					failed = n.Key
					return
				}
				assert.True(c, n.Delivered, "%s not delivered after the restart", n.Key)
			}
		}, 2*time.Minute, 200*time.Millisecond)
		if failed != "" {
			t.Fatalf("%s failed after the restart", failed)
		}
	}
	// Nothing is lost. A copy can repeat only if the kill fell between the
	// server accepting it and its sent marker being written: then that one
	// message arrives twice, under the same Message-ID, which is how a
	// reader tells it is the same message. Each application's outbox sends
	// one message to one person at a time, so one kill repeats at most one
	// message an application.
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
	if repeats > len(orgs) {
		t.Errorf("%d repeated copies after one kill", repeats)
	}
	if got, want := len(seen), len(orgs)*perApplication; got != want {
		t.Errorf("%d distinct messages arrived, want %d", got, want)
	}
	t.Logf("%d of %d messages were out when the worker was killed; %d arrived in all, %d repeated", before, len(orgs)*perApplication, len(mail.Messages()), repeats)
}
