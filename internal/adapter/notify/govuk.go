package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GOVUKNotifyConfig is how to reach GOV.UK Notify.
type GOVUKNotifyConfig struct {
	// APIKey is the key Notify issues: "<name>-<service id>-<secret>",
	// the last two UUIDs.
	APIKey string
	// TemplateID is an email template in the Notify service whose subject
	// is ((subject)) and whose body is ((body)): the wording stays in
	// templates/notifications, and Notify only carries it.
	TemplateID string
	// BaseURL is Notify's API, https://api.notifications.service.gov.uk
	// if empty.
	BaseURL string
	// Client is http.DefaultClient with a ten-second timeout if nil.
	Client *http.Client
}

// GOVUKNotify sends email through GOV.UK Notify's HTTP API.
type GOVUKNotify struct {
	cfg     GOVUKNotifyConfig
	service string
	secret  []byte
}

const uuidLen = 36

// NewGOVUKNotify checks cfg and splits the API key.
func NewGOVUKNotify(cfg GOVUKNotifyConfig) (*GOVUKNotify, error) {
	k := strings.TrimSpace(cfg.APIKey)
	if len(k) < 2*uuidLen+2 || k[len(k)-uuidLen-1] != '-' {
		return nil, errors.New("the GOV.UK Notify API key is not <name>-<service id>-<secret key>")
	}
	if cfg.TemplateID == "" {
		return nil, errors.New("GOV.UK Notify needs the id of an email template with ((subject)) and ((body))")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.notifications.service.gov.uk"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &GOVUKNotify{cfg: cfg, service: k[len(k)-2*uuidLen-1 : len(k)-uuidLen-1], secret: []byte(k[len(k)-uuidLen:])}, nil
}

// token is the short-lived JWT Notify authenticates each request by: the
// service id as issuer, signed with the key's secret.
func (g *GOVUKNotify) token(now time.Time) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": g.service, "iat": now.Unix()}).SignedString(g.secret)
}

// Send asks Notify to send e, with the Message-ID as its reference so a
// duplicate can be found there. Notify's 5xx and 429 are temporary; any
// other 4xx (an invalid address, a key that may not send to it) is
// permanent.
func (g *GOVUKNotify) Send(ctx context.Context, e Email) error {
	tok, err := g.token(time.Now())
	if err != nil {
		return &Failure{Permanent: true, Code: "notify key"}
	}
	body, _ := json.Marshal(map[string]any{
		"email_address":   e.To.Email,
		"template_id":     g.cfg.TemplateID,
		"reference":       e.MessageID,
		"personalisation": map[string]string{"subject": e.Subject, "body": e.Text},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.BaseURL+"/v2/notifications/email", bytes.NewReader(body))
	if err != nil {
		return &Failure{Permanent: true, Code: "notify url"}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := g.cfg.Client.Do(req)
	if err != nil {
		return &Failure{Code: "notify unavailable"}
	}
	defer res.Body.Close()
	var reply struct {
		Errors []struct {
			Error string `json:"error"`
		} `json:"errors"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_ = json.Unmarshal(raw, &reply)
	code := fmt.Sprintf("notify %d", res.StatusCode)
	// Notify's error names (BadRequestError, RateLimitError) say what went
	// wrong without quoting the address.
	if len(reply.Errors) > 0 && reply.Errors[0].Error != "" {
		code += " " + reply.Errors[0].Error
	}
	switch s := res.StatusCode; {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusTooManyRequests || s >= 500:
		return &Failure{Code: code}
	default:
		return &Failure{Permanent: true, Code: code}
	}
}
