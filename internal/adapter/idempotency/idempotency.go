// Package idempotency remembers the response to each (caller, key) pair so a
// retried POST gets the original answer instead of acting twice. Temporal
// Updates are idempotent by key as well; this layer makes the HTTP response
// itself replayable, including for calls that never reach a workflow.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Response is what is replayed.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body"`
}

type record struct {
	BodyHash string    `json:"body_hash"`
	Done     bool      `json:"done"`
	Response *Response `json:"response,omitempty"`
	// ClaimedAt dates a pending claim, so a claim whose request died
	// (a killed process) is taken over after the pending window even
	// where keys never expire, as in an in-process Redis stand-in.
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
}

// Outcome of Begin.
type Outcome int

const (
	// Proceed: the caller owns the key and must Complete or Abandon it.
	Proceed Outcome = iota
	// Replay: the key was used with the same request; send Response.
	Replay
	// Mismatch: the key was used with a different request.
	Mismatch
	// InProgress: the first request with this key has not finished yet.
	InProgress
)

// Store keeps keys in Redis for TTL.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	// Pending bounds how long a request that died can hold its key. It is
	// short because taking a key over is safe: a retried command carries
	// the same Update ID (and a create the same workflow id), so Temporal
	// folds a second attempt into the first.
	pending time.Duration
}

// DefaultPending is how long a claim holds off duplicates.
const DefaultPending = 10 * time.Second

// NewStore keeps keys for ttl (API.md: 24 hours) and pending claims for
// DefaultPending.
func NewStore(rdb redis.UniversalClient, keyPrefix string, ttl time.Duration) *Store {
	return &Store{rdb: rdb, prefix: keyPrefix + "idem:", ttl: ttl, pending: DefaultPending}
}

// WithPending returns the store with another pending window, for tests.
func (s *Store) WithPending(d time.Duration) *Store {
	c := *s
	c.pending = d
	return &c
}

// Hash identifies a request: method, path and body.
func Hash(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Begin claims key for a request with bodyHash, or tells the caller what to
// do instead. Concurrent duplicates wait up to wait for the first request
// to finish, then replay its response; a claim older than the pending
// window is taken over.
func (s *Store) Begin(ctx context.Context, key, bodyHash string, wait time.Duration) (Outcome, *Response, error) {
	k := s.prefix + key
	deadline := time.Now().Add(wait)
	for {
		claim, err := json.Marshal(record{BodyHash: bodyHash, ClaimedAt: time.Now()})
		if err != nil {
			return 0, nil, err
		}
		ok, err := s.rdb.SetNX(ctx, k, claim, s.pending).Result()
		if err != nil {
			return 0, nil, fmt.Errorf("idempotency: claim: %w", err)
		}
		if ok {
			return Proceed, nil, nil
		}
		b, err := s.rdb.Get(ctx, k).Bytes()
		if errors.Is(err, redis.Nil) {
			continue // expired between the two calls
		}
		if err != nil {
			return 0, nil, fmt.Errorf("idempotency: read: %w", err)
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil {
			return 0, nil, fmt.Errorf("idempotency: decode: %w", err)
		}
		switch {
		case r.BodyHash != bodyHash:
			return Mismatch, nil, nil
		case r.Done:
			return Replay, r.Response, nil
		case time.Since(r.ClaimedAt) > s.pending:
			// The first request died holding the key. Two duplicates
			// taking over at once both proceed, which is safe (see
			// pending).
			if err := s.rdb.Set(ctx, k, claim, s.pending).Err(); err != nil {
				return 0, nil, fmt.Errorf("idempotency: take over: %w", err)
			}
			return Proceed, nil, nil
		case time.Now().After(deadline):
			return InProgress, nil, nil
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Complete stores the response to replay for the rest of the TTL.
func (s *Store) Complete(ctx context.Context, key, bodyHash string, resp Response) error {
	b, err := json.Marshal(record{BodyHash: bodyHash, Done: true, Response: &resp})
	if err != nil {
		return err
	}
	return s.rdb.Set(ctx, s.prefix+key, b, s.ttl).Err()
}

// Abandon releases a key whose request failed in a way worth retrying.
func (s *Store) Abandon(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, s.prefix+key).Err()
}
