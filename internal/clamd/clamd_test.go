package clamd_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/clamd"
	"github.com/fundflow/fundflow/internal/clamtest"
)

func TestScanAgainstRealClamd(t *testing.T) {
	c, err := clamd.New(clamtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A clean file larger than one chunk crosses chunk boundaries.
	clean := bytes.Repeat([]byte("%PDF-1.7 an evaluation plan\n"), 10_000)
	v, err := c.Scan(ctx, bytes.NewReader(clean))
	if err != nil || v.Infected {
		t.Fatalf("clean file: %+v, %v", v, err)
	}
	v, err = c.Scan(ctx, bytes.NewReader(clamtest.EICAR()))
	if err != nil || !v.Infected || v.Signature != clamtest.Signature {
		t.Fatalf("EICAR: %+v, %v; want infected by %s", v, err, clamtest.Signature)
	}
	if v, err := c.Scan(ctx, bytes.NewReader(nil)); err != nil || v.Infected {
		t.Fatalf("empty stream: %+v, %v", v, err)
	}
}

func TestScanUnreachable(t *testing.T) {
	c, err := clamd.New("tcp://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Scan(context.Background(), strings.NewReader("x")); err == nil {
		t.Fatal("scan against nothing succeeded")
	}
}

func TestNewRefusesBadAddresses(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:3310", "tcp://", "unix://", "http://clamd:3310"} {
		if _, err := clamd.New(bad); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
}
