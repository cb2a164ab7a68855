// Package testredis connects tests to a real Redis. Each test gets its own
// key prefix, so packages testing in parallel against one database never see
// each other's keys, and its keys are deleted when it ends.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
	rdb, prefix, done, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return rdb, prefix
}

// URL is REDIS_URL, or DefaultURL when it is unset.
func URL() string {
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url
	}
	return DefaultURL
}

// Open is New for what outlives one test (a stack shared by a package's
// tests): done deletes the prefix's keys and closes the client.
func Open() (rdb *redis.Client, prefix string, done func(), err error) {
	opts, err := redis.ParseURL(URL())
	if err != nil {
		return nil, "", nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	rdb = redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, "", nil, fmt.Errorf("no Redis at %s (start one, or set REDIS_URL): %w", opts.Addr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix = "test:" + hex.EncodeToString(b[:]) + ":"
	return rdb, prefix, func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	}, nil
}
