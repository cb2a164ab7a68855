package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTPConfig is how to reach the mail server.
type SMTPConfig struct {
	// Addr is host:port.
	Addr string
	// TLS is "starttls" (required), "tls" (implicit, port 465 style) or
	// "none", for a relay on the same host or a test server.
	TLS      string
	Username string
	Password string
	// From is the sender, such as "Prevention Fund <fund@example.nhs.uk>".
	From string
	// Timeout bounds each connection; ten seconds if zero.
	Timeout time.Duration
}

// SMTP sends email through an SMTP server, one connection per message.
type SMTP struct {
	cfg  SMTPConfig
	host string
	port int
}

// NewSMTP checks cfg.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, p, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP address %q must be host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("SMTP port %q is not a number", p)
	}
	switch cfg.TLS {
	case "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("SMTP TLS %q must be starttls, tls or none", cfg.TLS)
	}
	probe := mail.NewMsg()
	if err := probe.From(cfg.From); err != nil {
		return nil, fmt.Errorf("SMTP sender %q is not an address", cfg.From)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &SMTP{cfg: cfg, host: host, port: port}, nil
}

// Send sends e. A refusal comes back as a *Failure classified by its reply
// code: 4xx temporary, 5xx permanent; anything else (no connection, a
// timeout) is temporary.
func (s *SMTP) Send(ctx context.Context, e Email) error {
	m := mail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return &Failure{Permanent: true, Code: "invalid sender"}
	}
	if err := m.AddToFormat(e.To.Name, e.To.Email); err != nil {
		return &Failure{Permanent: true, Code: "invalid address"}
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDate()
	m.SetGenHeader(mail.Header("X-Fundflow-Key"), e.Key)
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	m.AddAlternativeString(mail.TypeTextHTML, e.HTML)

	opts := []mail.Option{mail.WithPort(s.port), mail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return &Failure{Permanent: true, Code: "smtp settings"}
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classifySMTP(err)
	}
	if err := c.SendWithSMTPClient(conn, m); err != nil {
		_ = c.CloseWithSMTPClient(conn)
		return classifySMTP(err)
	}
	// The server took the message at its reply to DATA. A failed QUIT
	// after that must not count as a failure, or the retry would deliver
	// the message a second time.
	_ = c.CloseWithSMTPClient(conn)
	return nil
}

// classifySMTP keeps the reply code of an SMTP error and drops its text,
// which names the recipient.
func classifySMTP(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		code := fmt.Sprintf("smtp %d", se.ErrorCode())
		if es := se.EnhancedStatusCode(); es != "" {
			code += " " + es
		}
		return &Failure{Permanent: se.ErrorCode() >= 500, Code: code}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Failure{Code: "smtp timeout"}
	}
	return &Failure{Code: "smtp unavailable"}
}
