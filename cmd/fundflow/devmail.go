//go:build !nodev

package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/devtest/mailcatcher"
	"github.com/fundflow/fundflow/web"
)

// devMailPath is where dev lists the email its catcher has received.
const devMailPath = "/dev/mail"

// devMail serves the catcher's messages to an admin, signed in or with a
// bearer token: as a page, or as JSON for Accept: application/json. The
// messages are people's email, so nobody else may read them even in dev.
func devMail(c *mailcatcher.Catcher, tokens *auth.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" {
			if ck, err := r.Cookie(web.SessionCookie); err == nil {
				token = ck.Value
			}
		}
		p, err := tokens.Authenticate(r.Context(), token)
		switch {
		case err != nil && token == "" && !wantsJSON(r):
			http.Redirect(w, r, "/sign-in?next="+devMailPath, http.StatusSeeOther)
			return
		case err != nil:
			http.Error(w, "sign in as an admin to read the dev mail", http.StatusUnauthorized)
			return
		case p.Role != fundflow.RoleAdmin:
			http.Error(w, "only an admin may read the dev mail", http.StatusForbidden)
			return
		}
		msgs := c.Messages()
		// Newest first, as a mail client lists them.
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
		w.Header().Set("Cache-Control", "no-store")
		if wantsJSON(r) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"items": msgs})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = devMailPage.Execute(w, msgs)
	})
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

var devMailPage = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Dev mail – fundflow</title>
<style>body{font-family:Arial,sans-serif;margin:2em;color:#212b32}table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #d8dde0;padding:.5em;vertical-align:top}
details{margin:.5em 0}iframe{width:100%;height:28em;border:1px solid #d8dde0}pre{white-space:pre-wrap}</style></head>
<body><h1>Dev mail</h1>
<p>Every email fundflow dev has sent since it started, newest first. It exists only in dev mode.</p>
{{if not .}}<p>No email yet.</p>{{else}}
<table><thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Sent</th></tr></thead><tbody>
{{range .}}<tr id="message-{{.Seq}}"><td>{{range .To}}{{.}} {{end}}</td><td>{{.Subject}}
<details><summary>Read the message</summary><pre>{{.Text}}</pre>
<iframe title="{{.Subject}} (HTML)" sandbox srcdoc="{{.HTML}}"></iframe>
<p>Message-ID: {{.MessageID}}</p></details></td>
<td>{{.At.Format "2 Jan 2006 15:04:05 MST"}}</td></tr>
{{end}}</tbody></table>{{end}}
</body></html>`))

// startDevMail starts the embedded mail catcher and points the email
// channel at it, unless an SMTP server was configured.
func startDevMail(cfg *config) (*mailcatcher.Catcher, error) {
	if cfg.mail.smtpAddr != "" || cfg.mail.channel != "" {
		return nil, nil
	}
	c, err := mailcatcher.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("dev mail catcher: %w", err)
	}
	cfg.mail.smtpAddr, cfg.mail.smtpTLS = c.Addr(), "none"
	return c, nil
}

func withDevMail(h, mail http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(devMailPath, mail)
	mux.Handle("/", h)
	return mux
}
