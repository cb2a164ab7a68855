// Package auth issues and checks bearer tokens. Only a SHA-256 of each token
// is stored: the tokens are 256 random bits, so a fast hash is enough and a
// leaked Redis dump reveals no usable credential.
package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow"
)

// ErrInvalidToken is returned for a token that is unknown or malformed; the
// two are not told apart so probing learns nothing.
var ErrInvalidToken = errors.New("auth: invalid token")

const tokenPrefix = "ff_"

// Principal is what a valid token stands for.
type Principal struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Role      fundflow.Role `json:"role"`
	OrgCode   string        `json:"org_code,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// Actor is the principal as the workflows record it.
func (p Principal) Actor() fundflow.Actor {
	return fundflow.Actor{ID: p.ID, Name: p.Name, Role: p.Role, OrgCode: p.OrgCode}
}

// Store keeps token hashes in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// reviewers is a set of every reviewer token's {id, name}, so reviewer
	// assignment can find the people who review without scanning tokens.
	reviewers string
	now       fundflow.Clock
}

// NewStore keeps tokens under keyPrefix so several deployments can share a
// Redis without seeing each other's tokens.
func NewStore(rdb redis.UniversalClient, keyPrefix string, now fundflow.Clock) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, prefix: keyPrefix + "token:", reviewers: keyPrefix + "reviewers", now: now}
}

// Request is what a new token is bound to.
type Request struct {
	Role    fundflow.Role
	OrgCode string
	Name    string
}

// Validate refuses tokens that could not be used safely: an applicant must
// belong to an organisation and staff must not.
func (r Request) Validate() error {
	var v fundflow.Invalid
	if !r.Role.Valid() {
		v.Add("role", "must be one of applicant, reviewer, panel_chair, programme_manager, admin")
	}
	if r.Role == fundflow.RoleApplicant && r.OrgCode == "" {
		v.Add("org_code", "an applicant token needs an organisation")
	}
	if r.Role != fundflow.RoleApplicant && r.OrgCode != "" {
		v.Add("org_code", "only applicant tokens belong to an organisation")
	}
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
	return v.Err("the token request is invalid")
}

// Create issues a new random token and stores its hash.
func (s *Store) Create(ctx context.Context, r Request) (string, Principal, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Principal{}, fmt.Errorf("auth: random: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	p, err := s.Register(ctx, token, r)
	return token, p, err
}

// Register stores the hash of a token minted elsewhere. Dev mode uses it to
// re-admit the tokens in data/dev-tokens.json after a restart with an empty
// Redis, so a developer's saved tokens keep working.
func (s *Store) Register(ctx context.Context, token string, r Request) (Principal, error) {
	if err := r.Validate(); err != nil {
		return Principal{}, err
	}
	if !strings.HasPrefix(token, tokenPrefix) {
		return Principal{}, ErrInvalidToken
	}
	h := Hash(token)
	p := Principal{ID: h[:16], Name: r.Name, Role: r.Role, OrgCode: r.OrgCode, CreatedAt: s.now().UTC()}
	b, err := json.Marshal(p)
	if err != nil {
		return Principal{}, err
	}
	if err := s.rdb.Set(ctx, s.prefix+h, b, 0).Err(); err != nil {
		return Principal{}, fmt.Errorf("auth: store token: %w", err)
	}
	if p.Role == fundflow.RoleReviewer {
		// Only the id and name go in, so registering the same token again
		// (dev mode does, at every start) adds nothing new to the set.
		entry, err := json.Marshal(reviewerEntry{ID: p.ID, Name: p.Name})
		if err != nil {
			return Principal{}, err
		}
		if err := s.rdb.SAdd(ctx, s.reviewers, entry).Err(); err != nil {
			return Principal{}, fmt.Errorf("auth: index reviewer: %w", err)
		}
	}
	return p, nil
}

type reviewerEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Reviewers lists the principals of every reviewer token, by id, for
// assigning reviewers to applications. Only their id, name and role are
// set.
func (s *Store) Reviewers(ctx context.Context) ([]Principal, error) {
	members, err := s.rdb.SMembers(ctx, s.reviewers).Result()
	if err != nil {
		return nil, fmt.Errorf("auth: list reviewers: %w", err)
	}
	out := make([]Principal, 0, len(members))
	for _, m := range members {
		var e reviewerEntry
		if err := json.Unmarshal([]byte(m), &e); err != nil {
			return nil, fmt.Errorf("auth: decode reviewer: %w", err)
		}
		out = append(out, Principal{ID: e.ID, Name: e.Name, Role: fundflow.RoleReviewer})
	}
	// A set comes back in no particular order; callers get a stable one.
	slices.SortFunc(out, func(a, b Principal) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Name, b.Name)) })
	return out, nil
}

// Authenticate resolves a presented token to its principal.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 128 {
		return Principal{}, ErrInvalidToken
	}
	b, err := s.rdb.Get(ctx, s.prefix+Hash(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: look up token: %w", err)
	}
	var p Principal
	if err := json.Unmarshal(b, &p); err != nil {
		return Principal{}, fmt.Errorf("auth: decode principal: %w", err)
	}
	return p, nil
}

// Hash is the stored form of a token.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
