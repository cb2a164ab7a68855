// Package testredis connects tests to a real Redis. Each test gets its own
// key prefix, so packages testing in parallel against one database never see
// each other's keys, and its keys are deleted when it ends.
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is database 15, kept apart from a developer's own data.
const DefaultURL = "redis://127.0.0.1:6379/15"

// New returns a client for REDIS_URL (DefaultURL when unset) and a fresh key
// prefix. A Redis that does not answer fails the test: CI starts one, and a
// silently skipped suite proves nothing.
func New(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = DefaultURL
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("no Redis at %s (start one, or set REDIS_URL): %v", opts.Addr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}
