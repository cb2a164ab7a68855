// Package mailcatcher is an SMTP server that keeps what it is sent: dev
// mode delivers every notification to it so a person trying fundflow sees
// the emails at /dev/mail, and tests use it as the real SMTP server at the
// other end of the wire, able to refuse chosen messages the way a real one
// does.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package mailcatcher

import (
	"bytes"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the catcher accepted.
type Message struct {
	Seq       int       `json:"seq"`
	MessageID string    `json:"message_id"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Subject   string    `json:"subject"`
	At        time.Time `json:"at"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	Raw       string    `json:"-"`
}

// Refusal answers one delivery attempt with an SMTP error, or nil to
// accept it. attempt counts the attempts at this recipient, from 1.
type Refusal func(rcpt string, attempt int) *smtp.SMTPError

// Catcher is a running SMTP server.
type Catcher struct {
	srv      *smtp.Server
	l        net.Listener
	mu       sync.Mutex
	messages []Message
	attempts map[string]int
	refuse   Refusal
}

// Start listens on addr ("127.0.0.1:0" for any port).
func Start(addr string) (*Catcher, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Catcher{l: l, attempts: map[string]int{}}
	c.srv = smtp.NewServer(backend{c})
	c.srv.Domain = "localhost"
	c.srv.ReadTimeout, c.srv.WriteTimeout = time.Minute, time.Minute
	c.srv.MaxMessageBytes = 4 << 20
	c.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = c.srv.Serve(l) }()
	return c, nil
}

// Addr is where the catcher listens.
func (c *Catcher) Addr() string { return c.l.Addr().String() }

// Close stops the server.
func (c *Catcher) Close() error { return c.srv.Close() }

// Refuse sets how the catcher answers each recipient from now on.
func (c *Catcher) Refuse(r Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse = r
}

// Messages are the messages accepted, oldest first.
func (c *Catcher) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.messages...)
}

type backend struct{ c *Catcher }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{c: b.c}, nil }

type session struct {
	c    *Catcher
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.c.mu.Lock()
	s.c.attempts[to]++
	n, refuse := s.c.attempts[to], s.c.refuse
	s.c.mu.Unlock()
	if refuse != nil {
		if err := refuse(to, n); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: s.from, To: append([]string(nil), s.to...), At: time.Now().UTC(), Raw: string(raw)}
	if parsed, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.MessageID = strings.Trim(parsed.Header.Get("Message-Id"), "<>")
		if m.Subject, err = dec.DecodeHeader(parsed.Header.Get("Subject")); err != nil {
			m.Subject = parsed.Header.Get("Subject")
		}
		m.Text, m.HTML = bodies(parsed)
	}
	s.c.mu.Lock()
	m.Seq = len(s.c.messages) + 1
	s.c.messages = append(s.c.messages, m)
	s.c.mu.Unlock()
	return nil
}

// bodies finds the plain-text and HTML parts of a message.
func bodies(m *mail.Message) (text, html string) {
	mt, ps, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return "", ""
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)
		if mt == "text/html" {
			return "", b
		}
		return b, ""
	}
	mr := multipart.NewReader(m.Body, ps["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return text, html
		}
		b, _ := decode(p.Header.Get("Content-Transfer-Encoding"), p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = b
		case "text/html":
			html = b
		}
	}
}

func decode(enc string, r io.Reader) (string, error) {
	var b []byte
	var err error
	switch strings.ToLower(enc) {
	case "quoted-printable":
		b, err = io.ReadAll(quotedPrintable(r))
	case "base64":
		b, err = io.ReadAll(base64Reader(r))
	default:
		b, err = io.ReadAll(r)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return string(b), err
	}
	return string(b), nil
}

// Attempts counts the deliveries tried to rcpt, accepted or not.
func (c *Catcher) Attempts(rcpt string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts[rcpt]
}
