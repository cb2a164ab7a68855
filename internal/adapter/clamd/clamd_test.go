package clamd_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/adapter/clamd"
	"github.com/fundflow/fundflow/internal/devtest/clamtest"
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

// BenchmarkScan is the latency of one INSTREAM scan by a real clamd,
// beside PING, the cost of a round trip that scans nothing.
func BenchmarkScan(b *testing.B) {
	c, err := clamd.New(clamtest.Start(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("ping-baseline", func(b *testing.B) {
		for b.Loop() {
			if err := c.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, size := range []int{64 << 10, 1 << 20, 20 << 20} {
		data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("evaluation plan text "), size/21)...)
		b.Run(fmt.Sprintf("scan/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if v, err := c.Scan(ctx, bytes.NewReader(data)); err != nil || v.Infected {
					b.Fatal(v, err)
				}
			}
		})
	}
}
