package notify

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
)

// TestAcceptedMessageIsSentEvenIfQuitFails: a server that takes the message
// at DATA and then drops the connection instead of answering QUIT. The
// message was delivered, so Send must report success: an error here would
// have the activity retried and the person mailed twice.
func TestAcceptedMessageIsSentEvenIfQuitFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		reply := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
		reply("220 test ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				reply("250 test")
			case strings.HasPrefix(cmd, "DATA"):
				reply("354 go ahead")
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
				}
				reply("250 queued")
				accepted <- struct{}{}
			case strings.HasPrefix(cmd, "QUIT"):
				return // hang up without the 221
			default:
				reply("250 ok")
			}
		}
	}()
	s, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), TLS: "none", From: "fund@example.nhs.uk"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Email{Key: "application:a1:received:1", MessageID: MessageID("application:a1:received:1", "jo@nhs.net", "example.nhs.uk"),
		To: Recipient{Name: "Jo", Email: "jo@nhs.net"}, Subject: "Application received", Text: "text", HTML: "<p>html</p>"})
	select {
	case <-accepted:
	default:
		t.Fatal("the server never took the message")
	}
	if err != nil {
		t.Fatalf("a message the server accepted was reported as failed: %v", err)
	}
}
