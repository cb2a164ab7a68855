package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	texttemplate "text/template"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/templates"
)

// Message is what the outbox asks to be sent, before it is addressed to
// anyone.
type Message struct {
	ApplicationID string
	// Reference is what the message names the application by, when it
	// has one; see application.Quoted.
	Reference string
	// Template names templates/notifications/<Template>.tmpl; Params fill
	// it. A message from before templates has neither, only Subject and
	// Body, and is sent in the plain "legacy" template.
	Template string
	Params   map[string]string
	Subject  string
	Body     string
	// Routine messages may wait for a daily digest; deadlines and
	// decisions never do.
	Routine bool
	// Items are the messages a digest gathers.
	Items []InboxItem
}

// Content is a message rendered for one person.
type Content struct {
	Subject string
	Text    string
	HTML    string
	// Link is the page where the person can act on the message.
	Link string
}

// Renderer renders messages from templates/notifications. Each
// <name>.tmpl defines "subject" and "text", and may define "path" (the page
// to act on, relative to the public URL; the application's page if not)
// and "action" (the words of the link). layout.txt and layout.html wrap
// every text in the same greeting, link and footer.
type Renderer struct {
	publicURL string
	messages  map[string]*texttemplate.Template
	text      *texttemplate.Template
	html      *htmltemplate.Template
}

// NewRenderer parses the templates. Links are absolute under publicURL.
func NewRenderer(publicURL string) (*Renderer, error) {
	r := &Renderer{publicURL: strings.TrimRight(publicURL, "/"), messages: map[string]*texttemplate.Template{}}
	files, err := fs.Glob(templates.Notifications, "notifications/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		src, err := fs.ReadFile(templates.Notifications, f)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(f), ".tmpl")
		t, err := texttemplate.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("notification template %s: %w", name, err)
		}
		for _, need := range []string{"subject", "text"} {
			if t.Lookup(need) == nil {
				return nil, fmt.Errorf("notification template %s defines no %q", name, need)
			}
		}
		r.messages[name] = t
	}
	if r.text, err = texttemplate.ParseFS(templates.Notifications, "notifications/layout.txt"); err != nil {
		return nil, err
	}
	if r.html, err = htmltemplate.ParseFS(templates.Notifications, "notifications/layout.html"); err != nil {
		return nil, err
	}
	return r, nil
}

// Has reports whether a template exists, for tests that every message the
// workflows send has one.
func (r *Renderer) Has(name string) bool { return r.messages[name] != nil }

// messageData is what a message template sees.
type messageData struct {
	// Application names the application as people quote it: its
	// reference, or its id for a message from before references.
	Application string
	// P holds the message's parameters, such as {{.P.fund}}; a parameter
	// the template names but the message lacks is an error, not "<no value>".
	P       map[string]string
	Subject string
	Body    string
	Items   []InboxItem
}

// layoutData is what the layouts see.
type layoutData struct {
	Name       string
	Subject    string
	Paragraphs []string
	Action     string
	Link       string
}

// Render renders m for to.
func (r *Renderer) Render(m Message, to Recipient) (Content, error) {
	name := m.Template
	if name == "" {
		name = "legacy"
	}
	t := r.messages[name]
	if t == nil {
		return Content{}, fmt.Errorf("no notification template %q", name)
	}
	params := m.Params
	if params == nil {
		params = map[string]string{}
	}
	d := messageData{Application: application.Quoted(m.Reference, m.ApplicationID), P: params, Subject: m.Subject, Body: m.Body, Items: m.Items}
	part := func(n, def string) (string, error) {
		if t.Lookup(n) == nil {
			return def, nil
		}
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, n, d); err != nil {
			return "", fmt.Errorf("notification template %s: %w", name, err)
		}
		return strings.TrimSpace(b.String()), nil
	}
	var c Content
	var body, action, p string
	var err error
	if c.Subject, err = part("subject", ""); err != nil {
		return Content{}, err
	}
	if body, err = part("text", ""); err != nil {
		return Content{}, err
	}
	if action, err = part("action", "Open the application"); err != nil {
		return Content{}, err
	}
	if p, err = part("path", "/applications/"+url.PathEscape(d.Application)); err != nil {
		return Content{}, err
	}
	c.Subject = strings.Join(strings.Fields(c.Subject), " ")
	c.Link = r.publicURL + p
	l := layoutData{Name: to.Name, Subject: c.Subject, Paragraphs: paragraphs(body), Action: action, Link: c.Link}
	var tb, hb bytes.Buffer
	if err := r.text.Execute(&tb, l); err != nil {
		return Content{}, err
	}
	if err := r.html.Execute(&hb, l); err != nil {
		return Content{}, err
	}
	c.Text, c.HTML = tb.String(), hb.String()
	return c, nil
}

// paragraphs splits text at blank lines, each paragraph joined onto one
// line so the templates can wrap their source freely.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}
