package notify

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/devtest/mailcatcher"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// TestEveryMessageHasATemplate reads the workflows' source for the
// templates they name, so a message cannot be queued that cannot be sent.
func TestEveryMessageHasATemplate(t *testing.T) {
	r, err := NewRenderer("https://fundflow.example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../../workflows/*.go")
	named := regexp.MustCompile(`a\.message\(ctx, [^,]+, [^,]+, "([a-z_]+)"`)
	found := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllStringSubmatch(string(src), -1) {
			found++
			if !r.Has(m[1]) {
				t.Errorf("%s names template %q, which does not exist", filepath.Base(f), m[1])
			}
		}
	}
	if found < 25 {
		t.Fatalf("found only %d messages in the workflows", found)
	}
}

func TestRender(t *testing.T) {
	r, err := NewRenderer("https://fundflow.example.nhs.uk/")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Render(Message{ApplicationID: "app_1", Template: "offer", Params: map[string]string{"fund": "Prevention <Fund>", "amount": "£80,000.00", "due": "17:00 on 1 May 2026"}},
		Recipient{Name: "Jo Hughes"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "Offer of funding" || c.Link != "https://fundflow.example.nhs.uk/applications/app_1/offer" {
		t.Fatalf("%+v", c)
	}
	for _, want := range []string{"Dear Jo Hughes,", "Prevention <Fund>", "£80,000.00", "Accept or decline the offer: " + c.Link} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, c.Text)
		}
	}
	if !strings.Contains(c.HTML, "Prevention &lt;Fund&gt;") || !strings.Contains(c.HTML, `href="`+c.Link+`"`) {
		t.Errorf("HTML not escaped or linked:\n%s", c.HTML)
	}
	if _, err := r.Render(Message{ApplicationID: "app_1", Template: "offer", Params: map[string]string{"fund": "F"}}, Recipient{}); err == nil {
		t.Fatal("a missing parameter rendered")
	}
	old, err := r.Render(Message{ApplicationID: "app_1", Subject: "Query answered", Body: "The applicant has answered."}, Recipient{})
	if err != nil || old.Subject != "Query answered" || !strings.Contains(old.Text, "Hello,") {
		t.Fatalf("a message from before templates: %+v %v", old, err)
	}
}

func TestResolve(t *testing.T) {
	st := &directory.State{}
	by := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	invite := func(email, name, org string, roles ...fundflow.Role) directory.User {
		u, err := st.InviteUser(directory.Invite{Email: email, Name: name, OrgCode: org, Roles: roles}, by, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	lead := invite("lead@quy.nhs.uk", "Lead", "QUY", fundflow.RoleApplicant)
	other := invite("other@quy.nhs.uk", "Other", "QUY", fundflow.RoleApplicant)
	invite("someone@7a1.nhs.uk", "Elsewhere", "7A1", fundflow.RoleApplicant)
	r1 := invite("r1@nhs.net", "R1", "", fundflow.RoleReviewer)
	r2 := invite("r2@nhs.net", "R2", "", fundflow.RoleReviewer)
	chair := invite("chair@nhs.net", "Chair", "", fundflow.RolePanelChair)
	invite("chair2@nhs.net", "Chair 2", "", fundflow.RolePanelChair)
	invite("pm@nhs.net", "PM", "", fundflow.RoleProgrammeManager)
	if _, err := st.SetActive(other.ID, false, "left", by, time.Now()); err != nil {
		t.Fatal(err)
	}
	emails := func(a Address) string {
		var out []string
		for _, r := range Resolve(st, a, organisation.DateOf(time.Now())) {
			out = append(out, r.Email)
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		a    Address
		want string
	}{
		{Address{Audience: "applicant", OrgCode: "QUY", LeadEmail: "LEAD@quy.nhs.uk"}, "lead@quy.nhs.uk"},
		{Address{Audience: "applicant", OrgCode: "QUY", LeadEmail: "outside@nhs.net", LeadName: "Outside"}, "outside@nhs.net lead@quy.nhs.uk"},
		{Address{Audience: "applicant", OrgCode: "QUY", LeadEmail: "other@quy.nhs.uk"}, "lead@quy.nhs.uk"},
		{Address{Audience: "reviewer:" + r2.ID}, "r2@nhs.net"},
		{Address{Audience: "reviewer:" + chair.ID}, ""},
		{Address{Audience: "reviewer", FundID: "f"}, "r1@nhs.net r2@nhs.net"},
		{Address{Audience: "panel_chair", FundID: "f"}, "chair@nhs.net chair2@nhs.net"},
		{Address{Audience: "programme_manager", FundID: "f"}, "pm@nhs.net"},
		{Address{Audience: "admin"}, ""},
	}
	if _, err := st.SetPool(directory.Pool{FundID: "g", Reviewers: []string{r1.ID}, Panel: []string{chair.ID}}, "", by, time.Now()); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		a    Address
		want string
	}{Address{Audience: "reviewer", FundID: "g"}, "r1@nhs.net"}, struct {
		a    Address
		want string
	}{Address{Audience: "panel_chair", FundID: "g"}, "chair@nhs.net"})
	for _, c := range cases {
		if got := emails(c.a); got != c.want {
			t.Errorf("%+v: %q, want %q", c.a, got, c.want)
		}
	}
	_ = lead
}

// TestResolveCertifiers reaches the organisation's certifiers whose
// delegation covers the day of delivery, and nobody else.
func TestResolveCertifiers(t *testing.T) {
	st := &directory.State{}
	by := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	invite := func(email, name, org string) string {
		u, err := st.InviteUser(directory.Invite{Email: email, Name: name, OrgCode: org, Roles: []fundflow.Role{fundflow.RoleApplicant}}, by, at)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	invite("lead@quy.nhs.uk", "Lead", "QUY")
	cfo := invite("cfo@quy.nhs.uk", "Helen Barker", "QUY")
	deputy := invite("deputy@quy.nhs.uk", "Priya Nair", "QUY")
	gone := invite("gone@quy.nhs.uk", "Tom Reid", "QUY")
	welsh := invite("cfo@7a1.nhs.uk", "Gareth Pritchard", "7A1")
	d := func(s string) organisation.Date {
		x, err := organisation.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	if _, err := st.SetCertifiers("QUY", []directory.Certifier{
		{UserID: cfo, Capacity: directory.CapacityChiefFinanceOfficer, From: d("2026-04-01")},
		{UserID: deputy, Capacity: directory.CapacityDeputy, From: d("2026-12-01"), To: d("2026-12-31")},
		{UserID: gone, Capacity: directory.CapacitySRO, From: d("2026-04-01")},
	}, "", by, at); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetCertifiers("7A1", []directory.Certifier{{UserID: welsh, Capacity: directory.CapacityChiefFinanceOfficer, From: d("2026-04-01")}}, "", by, at); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetActive(gone, false, "left", by, at); err != nil {
		t.Fatal(err)
	}
	for on, want := range map[string]string{
		"2026-03-31": "",
		"2026-11-30": "cfo@quy.nhs.uk",
		"2026-12-31": "cfo@quy.nhs.uk deputy@quy.nhs.uk",
		"2027-01-01": "cfo@quy.nhs.uk",
	} {
		var got []string
		for _, r := range Resolve(st, Address{Audience: CertifiersAudience, OrgCode: "QUY", LeadEmail: "lead@quy.nhs.uk"}, d(on)) {
			if r.UserID == "" || r.Role != fundflow.RoleApplicant {
				t.Errorf("%s: %+v", on, r)
			}
			got = append(got, r.Email)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("certifiers on %s: %q, want %q", on, strings.Join(got, " "), want)
		}
	}
}

// TestSMTPFailuresAreClassified sends to a real SMTP server that answers
// 451, then 550, and to one that is not there.
func TestSMTPFailuresAreClassified(t *testing.T) {
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	mail.Refuse(func(rcpt string, attempt int) *smtp.SMTPError {
		switch {
		case rcpt == "busy@nhs.net" && attempt == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy@nhs.net try later"}
		case rcpt == "gone@nhs.net":
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "gone@nhs.net unknown"}
		}
		return nil
	})
	s, err := NewSMTP(SMTPConfig{Addr: mail.Addr(), TLS: "none", From: "Fund <fund@example.nhs.uk>"})
	if err != nil {
		t.Fatal(err)
	}
	e := func(to string) Email {
		return Email{Key: "application:a1:received:1", MessageID: MessageID("application:a1:received:1", to, "example.nhs.uk"),
			To: Recipient{Name: "Jo", Email: to}, Subject: "Application received", Text: "text", HTML: "<p>html</p>"}
	}
	ctx := context.Background()
	err = s.Send(ctx, e("busy@nhs.net"))
	if err == nil || Permanent(err) || err.Error() != "temporarily refused: smtp 451 4.3.0" {
		t.Fatalf("451: %v", err)
	}
	if err := s.Send(ctx, e("busy@nhs.net")); err != nil {
		t.Fatalf("451 then accepted: %v", err)
	}
	err = s.Send(ctx, e("gone@nhs.net"))
	if !Permanent(err) || strings.Contains(err.Error(), "gone@") {
		t.Fatalf("550: %v", err)
	}
	msgs := mail.Messages()
	if len(msgs) != 1 || msgs[0].MessageID != e("busy@nhs.net").MessageID || msgs[0].Subject != "Application received" || msgs[0].HTML != "<p>html</p>" {
		t.Fatalf("received %+v", msgs)
	}
	down, _ := NewSMTP(SMTPConfig{Addr: "127.0.0.1:1", TLS: "none", From: "fund@example.nhs.uk"})
	if err := down.Send(ctx, e("busy@nhs.net")); err == nil || Permanent(err) {
		t.Fatalf("no server: %v", err)
	}
	if _, err := NewSMTP(SMTPConfig{Addr: mail.Addr(), TLS: "sometimes", From: "fund@example.nhs.uk"}); err == nil {
		t.Fatal("a TLS setting that means nothing was accepted")
	}
}

// TestDeliverSendsOnce delivers the same message twice, as a retried
// activity would: the server gets it once per person.
func TestDeliverSendsOnce(t *testing.T) {
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	rdb, prefix := testredis.New(t)
	st := &directory.State{}
	by := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	if _, err := st.InviteUser(directory.Invite{Email: "lead@quy.nhs.uk", Name: "Lead", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}, by, time.Now()); err != nil {
		t.Fatal(err)
	}
	ch, _ := NewSMTP(SMTPConfig{Addr: mail.Addr(), TLS: "none", From: "fund@example.nhs.uk"})
	r, _ := NewRenderer("http://127.0.0.1")
	m := &Mailer{Directory: func(context.Context) (*directory.State, error) { return st, nil }, Renderer: r, Channel: ch,
		Redis: rdb, Prefix: prefix, Domain: "example.nhs.uk"}
	msg := Message{ApplicationID: "a1", Template: "received", Params: map[string]string{"fund": "F"}}
	addr := Address{Audience: "applicant", OrgCode: "QUY", LeadEmail: "outside@nhs.net"}
	for range 2 {
		out, err := m.Deliver(context.Background(), "application:a1:received:1", msg, addr, time.Now())
		if err != nil || out.Reached != 2 || len(out.Recipients) != 1 {
			t.Fatalf("deliver: %+v %v", out, err)
		}
	}
	if got := len(mail.Messages()); got != 2 {
		t.Fatalf("%d messages for two people", got)
	}
	items, unread, err := m.Inbox().List(context.Background(), directory.UserID("lead@quy.nhs.uk"))
	if err != nil || len(items) != 1 || unread != 1 || items[0].Subject != "Application received" {
		t.Fatalf("inbox: %+v %d %v", items, unread, err)
	}
}

// TestDigestPreference sends a routine message to a reviewer who chose the
// digest into it, and a decision to them at once.
func TestDigestPreference(t *testing.T) {
	mail, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mail.Close()
	rdb, prefix := testredis.New(t)
	st := &directory.State{}
	by := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	u, err := st.InviteUser(directory.Invite{Email: "r@nhs.net", Name: "R", Roles: []fundflow.Role{fundflow.RoleReviewer}}, by, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.SetPreference(u.ID, true)
	ch, _ := NewSMTP(SMTPConfig{Addr: mail.Addr(), TLS: "none", From: "fund@example.nhs.uk"})
	r, _ := NewRenderer("http://127.0.0.1")
	var queued []InboxItem
	m := &Mailer{Directory: func(context.Context) (*directory.State, error) { return st, nil }, Renderer: r, Channel: ch,
		Redis: rdb, Prefix: prefix, Domain: "example.nhs.uk",
		Digest: func(_ context.Context, userID string, it InboxItem) error { queued = append(queued, it); return nil }}
	ctx := context.Background()
	addr := Address{Audience: "reviewer:" + u.ID}
	routine := Message{ApplicationID: "a1", Template: "reviewer_assigned", Params: map[string]string{"fund": "F"}, Routine: true}
	if out, err := m.Deliver(ctx, "application:a1:reviewer_assigned:3", routine, addr, time.Now()); err != nil || out.Reached != 1 {
		t.Fatalf("routine: %+v %v", out, err)
	}
	if len(queued) != 1 || len(mail.Messages()) != 0 {
		t.Fatalf("routine message emailed at once: %d queued, %d sent", len(queued), len(mail.Messages()))
	}
	urgent := Message{ApplicationID: "a1", Template: "sla_reminder", Params: map[string]string{"stage": "assessment", "due": "noon"}}
	if _, err := m.Deliver(ctx, "application:a1:sla_reminder:4", urgent, addr, time.Now()); err != nil || len(mail.Messages()) != 1 {
		t.Fatalf("a deadline waited for the digest: %v", err)
	}
	for range 2 {
		if err := m.SendDigest(ctx, "digest:"+u.ID+":2026-03-03", u.ID, queued); err != nil {
			t.Fatal(err)
		}
	}
	msgs := mail.Messages()
	if len(msgs) != 2 || msgs[1].Subject != "Your fundflow digest: 1 notification" || !strings.Contains(msgs[1].Text, "Application to assess, application a1: http://127.0.0.1/applications/a1/assessment") {
		t.Fatalf("digest: %+v", msgs)
	}
}
