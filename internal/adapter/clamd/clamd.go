// Package clamd talks to ClamAV's daemon over its INSTREAM protocol: the
// file goes in length-prefixed chunks on one connection and clamd answers
// with one line. The protocol is a handful of bytes, so a client of its own
// costs less than a dependency.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package clamd

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Client scans through one clamd, dialling per request: clamd serves one
// command per connection unless told otherwise, and a fresh connection
// never carries a half-read answer from a request that was cut off.
type Client struct {
	network, addr string
	// chunk is the size of each INSTREAM chunk.
	chunk int
}

// Verdict is clamd's answer about one file.
type Verdict struct {
	Infected bool
	// Signature names what was found, such as "Eicar-Signature".
	Signature string
}

// ErrTooLarge means clamd refused the stream as longer than its
// StreamMaxLength: a setting to raise, not a verdict.
var ErrTooLarge = errors.New("clamd: file is larger than clamd's StreamMaxLength")

// New parses addr: tcp://host:port or unix:///path/to/clamd.ctl.
func New(addr string) (*Client, error) {
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("clamd address %q: %w", addr, err)
	}
	switch {
	case u.Scheme == "tcp" && u.Host != "":
		return &Client{network: "tcp", addr: u.Host, chunk: 64 << 10}, nil
	case u.Scheme == "unix" && u.Path != "":
		return &Client{network: "unix", addr: u.Path, chunk: 64 << 10}, nil
	}
	return nil, fmt.Errorf("clamd address %q: write tcp://host:3310 or unix:///run/clamav/clamd.ctl", addr)
}

func (c *Client) String() string { return c.network + "://" + c.addr }

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return nil, fmt.Errorf("clamd %s: %w", c, err)
	}
	// A scan ends with its context: the deadline covers the whole
	// exchange, and cancellation closes the connection.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return &stoppingConn{Conn: conn, stop: stop}, nil
}

type stoppingConn struct {
	net.Conn
	stop func() bool
}

func (c *stoppingConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// Ping checks clamd answers PONG.
func (c *Client) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return fmt.Errorf("clamd %s: %w", c, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return fmt.Errorf("clamd %s: %w", c, err)
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd %s: PING answered %q", c, reply)
	}
	return nil
}

// Scan streams r to clamd and returns its verdict.
func (c *Client) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()
	if err := c.stream(conn, r); err != nil {
		// clamd may have cut the stream short and said why.
		if reply, rerr := readReply(conn); rerr == nil && strings.Contains(reply, "size limit exceeded") {
			return Verdict{}, ErrTooLarge
		}
		return Verdict{}, fmt.Errorf("clamd %s: %w", c, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return Verdict{}, fmt.Errorf("clamd %s: %w", c, err)
	}
	return parse(reply)
}

func (c *Client) stream(conn net.Conn, r io.Reader) error {
	w := bufio.NewWriterSize(conn, c.chunk+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return err
	}
	buf := make([]byte, c.chunk)
	var size [4]byte
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(size[:], uint32(n))
			if _, werr := w.Write(size[:]); werr != nil {
				return werr
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if _, err := w.Write([]byte{0, 0, 0, 0}); err != nil {
		return err
	}
	return w.Flush()
}

// readReply reads one NUL-terminated answer, as the z-prefixed commands
// ask for.
func readReply(conn net.Conn) (string, error) {
	reply, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString(0)
	if err != nil && !(errors.Is(err, io.EOF) && reply != "") {
		return "", err
	}
	return strings.TrimRight(reply, "\x00\n"), nil
}

// parse reads "stream: OK", "stream: Name FOUND" or "... ERROR".
func parse(reply string) (Verdict, error) {
	_, rest, _ := strings.Cut(reply, ": ")
	switch {
	case rest == "OK":
		return Verdict{}, nil
	case strings.HasSuffix(rest, " FOUND"):
		return Verdict{Infected: true, Signature: strings.TrimSuffix(rest, " FOUND")}, nil
	case strings.Contains(rest, "size limit exceeded"):
		return Verdict{}, ErrTooLarge
	}
	return Verdict{}, fmt.Errorf("clamd answered %q", reply)
}
