package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow/internal/directory"
)

// SessionPrefix starts every web session's credential, so the API can tell
// a session from a service token.
const SessionPrefix = "ffs_"

// Session lifetimes. A session is a cache of a sign-in, not a fact: losing
// one only signs its person out, so sessions live in Redis alone.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
)

// ErrNotInvited is a sign-in whose verified email belongs to nobody active
// in the directory.
var ErrNotInvited = errors.New("auth: no active user has this email")

type session struct {
	UserID  string    `json:"user_id"`
	Started time.Time `json:"started"`
}

func (s *Store) sessionKey(token string) string { return s.prefix + "session:" + Hash(token) }

// StartSession signs in the active user invited with email, returning the
// new session's credential. Each sign-in makes a new one, so a session id
// seen before sign-in is never the one used after it.
func (s *Store) StartSession(ctx context.Context, email string) (string, directory.User, error) {
	u, ok, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", directory.User{}, err
	}
	if !ok || !u.Active {
		return "", directory.User{}, ErrNotInvited
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", directory.User{}, err
	}
	token := SessionPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	b, _ := json.Marshal(session{UserID: u.ID, Started: s.now().UTC()})
	if err := s.rdb.Set(ctx, s.sessionKey(token), b, SessionIdle).Err(); err != nil {
		return "", directory.User{}, fmt.Errorf("auth: store session: %w", err)
	}
	return token, u, nil
}

// EndSession signs a session out.
func (s *Store) EndSession(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, SessionPrefix) {
		return nil
	}
	return s.rdb.Del(ctx, s.sessionKey(token)).Err()
}

// authenticateSession resolves a session to its person, checking on every
// request that they are still active and the session within its idle and
// absolute lifetimes. Each use moves the idle deadline on.
func (s *Store) authenticateSession(ctx context.Context, token string) (Principal, error) {
	key := s.sessionKey(token)
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: read session: %w", err)
	}
	var ss session
	if err := json.Unmarshal(b, &ss); err != nil {
		return Principal{}, fmt.Errorf("auth: decode session: %w", err)
	}
	if s.now().Sub(ss.Started) > SessionAbsolute {
		_ = s.rdb.Del(ctx, key).Err()
		return Principal{}, ErrInvalidToken
	}
	u, ok, err := s.User(ctx, ss.UserID)
	if err != nil {
		return Principal{}, err
	}
	if !ok || !u.Active {
		_ = s.rdb.Del(ctx, key).Err()
		return Principal{}, ErrInvalidToken
	}
	_ = s.rdb.Expire(ctx, key, SessionIdle).Err()
	a := u.Actor()
	return principalOf(a), nil
}
