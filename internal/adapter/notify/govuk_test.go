package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	notifyService = "26785a09-ab16-4eb0-8407-a37497a57506"
	notifySecret  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
)

// fakeNotify speaks the part of GOV.UK Notify's API fundflow uses, checking
// the JWT as Notify does: HS256 by the service's secret, issued by the
// service, within 30 seconds.
type fakeNotify struct {
	mu     sync.Mutex
	sent   []map[string]any
	answer func(email string) int
}

func (f *fakeNotify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/notifications/email" {
		http.NotFound(w, r)
		return
	}
	tok, err := jwt.Parse(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), func(*jwt.Token) (any, error) { return []byte(notifySecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(notifyService), jwt.WithIssuedAt())
	if err != nil {
		w.WriteHeader(403)
		_, _ = w.Write([]byte(`{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token"}]}`))
		return
	}
	iat, _ := tok.Claims.GetIssuedAt()
	if iat == nil || time.Since(iat.Time) > 30*time.Second {
		w.WriteHeader(403)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(400)
		return
	}
	status := 201
	if f.answer != nil {
		status = f.answer(body["email_address"].(string))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	switch {
	case status == 201:
		f.mu.Lock()
		f.sent = append(f.sent, body)
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","reference":"` + body["reference"].(string) + `"}`))
	case status == 400:
		_, _ = w.Write([]byte(`{"status_code":400,"errors":[{"error":"BadRequestError","message":"email_address Not a valid email address"}]}`))
	default:
		_, _ = w.Write([]byte(`{"status_code":500,"errors":[{"error":"Exception","message":"Internal server error"}]}`))
	}
}

func TestGOVUKNotify(t *testing.T) {
	f := &fakeNotify{answer: func(email string) int {
		switch email {
		case "bad@nhs.net":
			return 400
		case "down@nhs.net":
			return 500
		}
		return 201
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	g, err := NewGOVUKNotify(GOVUKNotifyConfig{APIKey: "fundflow_live-" + notifyService + "-" + notifySecret, TemplateID: "tmpl-1", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e := Email{Key: "application:a1:received:1", MessageID: "application.a1.received.1.abc@example.nhs.uk", To: Recipient{Email: "lead@nhs.net"},
		Subject: "Application received", Text: "Dear Jo"}
	ctx := context.Background()
	if err := g.Send(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 || f.sent[0]["reference"] != e.MessageID || f.sent[0]["template_id"] != "tmpl-1" ||
		f.sent[0]["personalisation"].(map[string]any)["subject"] != "Application received" {
		t.Fatalf("sent %v", f.sent)
	}
	e.To.Email = "bad@nhs.net"
	if err := g.Send(ctx, e); !Permanent(err) || err.Error() != "permanently refused: notify 400 BadRequestError" {
		t.Fatalf("400: %v", err)
	}
	e.To.Email = "down@nhs.net"
	if err := g.Send(ctx, e); err == nil || Permanent(err) {
		t.Fatalf("500: %v", err)
	}
	wrong, _ := NewGOVUKNotify(GOVUKNotifyConfig{APIKey: "fundflow_live-" + notifyService + "-" + strings.Repeat("0", 36), TemplateID: "t", BaseURL: srv.URL})
	e.To.Email = "lead@nhs.net"
	if err := wrong.Send(ctx, e); !Permanent(err) {
		t.Fatalf("a wrong key: %v", err)
	}
	if _, err := NewGOVUKNotify(GOVUKNotifyConfig{APIKey: "short", TemplateID: "t"}); err == nil {
		t.Fatal("a malformed key was accepted")
	}
}
