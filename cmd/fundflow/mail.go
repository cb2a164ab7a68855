package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/workflows"
)

// mailConfig is how notifications leave the service.
type mailConfig struct {
	channel  string
	smtpAddr string
	smtpTLS  string
	smtpUser string
	smtpPass string
	from     string
	// GOV.UK Notify: the key from the environment only, like the SMTP
	// password.
	notifyKey      string
	notifyTemplate string
	notifyURL      string
}

func (c *mailConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.channel, "notify-channel", getenv("FUNDFLOW_NOTIFY_CHANNEL"), "how notifications are emailed: smtp, govuk-notify, or none for the in-service inbox alone; smtp when --smtp-addr is set (FUNDFLOW_NOTIFY_CHANNEL)")
	c.notifyKey = getenv("FUNDFLOW_GOVUK_NOTIFY_API_KEY")
	fs.StringVar(&c.notifyTemplate, "govuk-notify-template", getenv("FUNDFLOW_GOVUK_NOTIFY_TEMPLATE_ID"), "GOV.UK Notify email template whose subject is ((subject)) and body ((body)) (FUNDFLOW_GOVUK_NOTIFY_TEMPLATE_ID)")
	fs.StringVar(&c.notifyURL, "govuk-notify-url", getenv("FUNDFLOW_GOVUK_NOTIFY_URL"), "GOV.UK Notify API base URL; its public API if empty (FUNDFLOW_GOVUK_NOTIFY_URL)")
	fs.StringVar(&c.smtpAddr, "smtp-addr", getenv("FUNDFLOW_SMTP_ADDR"), "SMTP server as host:port (FUNDFLOW_SMTP_ADDR)")
	fs.StringVar(&c.smtpTLS, "smtp-tls", envOr(getenv, "FUNDFLOW_SMTP_TLS", "starttls"), "starttls (required), tls (implicit) or none (FUNDFLOW_SMTP_TLS)")
	fs.StringVar(&c.smtpUser, "smtp-username", getenv("FUNDFLOW_SMTP_USERNAME"), "SMTP user name; empty sends without authenticating (FUNDFLOW_SMTP_USERNAME)")
	// The password is read from the environment only, so it never shows
	// in a process list.
	c.smtpPass = getenv("FUNDFLOW_SMTP_PASSWORD")
	fs.StringVar(&c.from, "mail-from", envOr(getenv, "FUNDFLOW_MAIL_FROM", "fundflow <noreply@fundflow.invalid>"), "the sender of notification email (FUNDFLOW_MAIL_FROM)")
}

// channel is the configured email channel, nil for the inbox alone.
func (c *mailConfig) emailChannel() (notify.Channel, error) {
	ch := c.channel
	if ch == "" && c.smtpAddr != "" {
		ch = "smtp"
	}
	switch ch {
	case "", "none":
		return nil, nil
	case "smtp":
		if c.smtpAddr == "" {
			return nil, fmt.Errorf("FUNDFLOW_NOTIFY_CHANNEL=smtp needs FUNDFLOW_SMTP_ADDR")
		}
		return notify.NewSMTP(notify.SMTPConfig{Addr: c.smtpAddr, TLS: c.smtpTLS, Username: c.smtpUser, Password: c.smtpPass, From: c.from})
	case "govuk-notify":
		g, err := notify.NewGOVUKNotify(notify.GOVUKNotifyConfig{APIKey: c.notifyKey, TemplateID: c.notifyTemplate, BaseURL: c.notifyURL})
		if err != nil {
			return nil, fmt.Errorf("FUNDFLOW_NOTIFY_CHANNEL=govuk-notify: %w (set FUNDFLOW_GOVUK_NOTIFY_API_KEY and FUNDFLOW_GOVUK_NOTIFY_TEMPLATE_ID)", err)
		}
		return g, nil
	}
	return nil, fmt.Errorf("FUNDFLOW_NOTIFY_CHANNEL %q: use smtp, govuk-notify or none", ch)
}

// newMailer delivers the outbox to the people the directory names, links
// under the public URL.
func newMailer(cfg config, tc client.Client, rdb redis.UniversalClient) (*notify.Mailer, error) {
	ch, err := cfg.mail.emailChannel()
	if err != nil {
		return nil, err
	}
	r, err := notify.NewRenderer(cfg.publicURL)
	if err != nil {
		return nil, err
	}
	domain := "fundflow.invalid"
	if u, err := url.Parse(cfg.publicURL); err == nil && u.Hostname() != "" {
		domain = strings.ToLower(u.Hostname())
	}
	return &notify.Mailer{
		Directory: func(ctx context.Context) (*directory.State, error) {
			st, err := workflows.ReadDirectory(ctx, tc)
			return &st, err
		},
		Renderer: r, Channel: ch, Redis: rdb, Prefix: cfg.redisPrefix, Domain: domain,
	}, nil
}
