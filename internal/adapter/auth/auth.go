// Package auth checks bearer credentials against the directory. The
// directory entity workflow holds every fact (users, roles, pools,
// certifiers and the SHA-256 of each service token); Redis only caches
// lookups from it. A cache miss falls back to a directory Query until the
// cache has been rebuilt, so an emptied Redis never locks anyone out.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/directory"
)

// ErrInvalidToken is returned for a credential that is unknown, malformed,
// expired, revoked or whose person is deactivated; they are not told apart
// so probing learns nothing.
var ErrInvalidToken = errors.New("auth: invalid token")

// TokenPrefix starts every service token.
const TokenPrefix = "ff_"

// Principal is who a valid credential acts as.
type Principal struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Role    fundflow.Role `json:"role"`
	OrgCode string        `json:"org_code,omitempty"`
	// TokenID is set for a service token, so its use can be recorded.
	TokenID string `json:"token_id,omitempty"`
}

// Actor is the principal as the workflows record it.
func (p Principal) Actor() fundflow.Actor {
	return fundflow.Actor{ID: p.ID, Name: p.Name, Role: p.Role, OrgCode: p.OrgCode}
}

func principalOf(a fundflow.Actor) Principal {
	return Principal{ID: a.ID, Name: a.Name, Role: a.Role, OrgCode: a.OrgCode}
}

// Directory answers the lookups the cache misses; *DirectoryClient is one.
type Directory interface {
	Lookup(ctx context.Context, q directory.Lookup) (directory.Answer, error)
}

// DirectoryClient asks the directory workflow.
type DirectoryClient struct{ Temporal client.Client }

// Lookup queries the directory. A directory that was never started is an
// empty one.
func (c DirectoryClient) Lookup(ctx context.Context, q directory.Lookup) (directory.Answer, error) {
	resp, err := c.Temporal.QueryWorkflow(ctx, directory.WorkflowID, "", directory.QueryLookup, q)
	var missing *serviceerror.NotFound
	if errors.As(err, &missing) {
		return directory.Answer{Found: q.FundID != "" || q.AnyFund || q.CertifiersOf != ""}, nil
	}
	if err != nil {
		return directory.Answer{}, fmt.Errorf("auth: query directory: %w", err)
	}
	var a directory.Answer
	return a, resp.Get(&a)
}

// Store is the Redis cache of directory lookups.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	dir    Directory
	now    fundflow.Clock
}

// NewStore caches under keyPrefix, so several deployments can share a
// Redis, and falls back to dir on a miss.
func NewStore(rdb redis.UniversalClient, keyPrefix string, dir Directory, now fundflow.Clock) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, prefix: keyPrefix + "dir:", dir: dir, now: now}
}

// Mint makes a new service token and the hash the directory keeps of it.
func Mint() (token, hash string, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", "", fmt.Errorf("auth: random: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	return token, Hash(token), nil
}

// Hash is the stored form of a token: the tokens are 256 random bits, so a
// fast hash is enough and a leaked cache or history reveals no usable
// credential.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Store) tokenKey(hash string) string     { return s.prefix + "token:" + hash }
func (s *Store) userKey(id string) string        { return s.prefix + "user:" + id }
func (s *Store) poolKey(fund string) string      { return s.prefix + "pool:" + fund }
func (s *Store) certifiersKey(org string) string { return s.prefix + "certifiers:" + org }
func (s *Store) builtKey() string                { return s.prefix + "built" }
func (s *Store) usedKey(id string) string        { return s.prefix + "used:" + id }

// setNewer writes a cache entry unless the one there is as new or newer:
// entries carry the directory revision that wrote them.
var setNewer = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and old.rev and old.rev >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`)

// Project writes directory records into the cache.
func (s *Store) Project(ctx context.Context, users []directory.User, tokens []directory.Token, pools []directory.Pool, certifiers []directory.CertifierList) error {
	pipe := s.rdb.Pipeline()
	put := func(key string, v any, rev int64) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		// Eval, not Run: a pipeline learns of NOSCRIPT too late to retry.
		return setNewer.Eval(ctx, pipe, []string{key}, b, rev).Err()
	}
	for _, u := range users {
		_ = put(s.userKey(u.ID), u, u.Rev)
	}
	for _, t := range tokens {
		_ = put(s.tokenKey(t.Hash), t, t.Rev)
	}
	for _, p := range pools {
		_ = put(s.poolKey(p.FundID), p, p.Rev)
	}
	for _, l := range certifiers {
		_ = put(s.certifiersKey(l.OrgCode), l, l.Rev)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("auth: write directory cache: %w", err)
	}
	return nil
}

// Reset empties the cache, so lookups fall back to the directory until
// Rebuild; call it before reading the state to rebuild from, so that a
// change projected meanwhile is either in that state or newer than it.
func (s *Store) Reset(ctx context.Context) error {
	if err := s.rdb.Del(ctx, s.builtKey()).Err(); err != nil {
		return fmt.Errorf("auth: reset directory cache: %w", err)
	}
	for _, kind := range []string{"token:", "user:", "pool:", "certifiers:"} {
		iter := s.rdb.Scan(ctx, 0, s.prefix+kind+"*", 500).Iterator()
		var batch []string
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("auth: reset directory cache: %w", err)
		}
		if len(batch) > 0 {
			if err := s.rdb.Del(ctx, batch...).Err(); err != nil {
				return fmt.Errorf("auth: reset directory cache: %w", err)
			}
		}
	}
	return nil
}

// Rebuild writes every record of the directory into the cache and then
// marks it complete, after which a miss means "unknown" without asking the
// directory.
func (s *Store) Rebuild(ctx context.Context, st directory.State) error {
	if err := s.Project(ctx, st.Users, st.Tokens, st.Pools, st.CertifierLists()); err != nil {
		return err
	}
	return s.rdb.Set(ctx, s.builtKey(), st.Rev, 0).Err()
}

// get reads one cache entry into v. It reports a miss only while the cache
// is incomplete: once rebuilt, an absent entry is an unknown subject.
func (s *Store) get(ctx context.Context, key string, v any) (hit, complete bool, err error) {
	vals, err := s.rdb.MGet(ctx, key, s.builtKey()).Result()
	if err != nil {
		return false, false, fmt.Errorf("auth: read directory cache: %w", err)
	}
	complete = vals[1] != nil
	str, ok := vals[0].(string)
	if !ok {
		return false, complete, nil
	}
	if err := json.Unmarshal([]byte(str), v); err != nil {
		return false, complete, fmt.Errorf("auth: decode directory cache: %w", err)
	}
	return true, complete, nil
}

// User finds a user by id, from the cache or else the directory.
func (s *Store) User(ctx context.Context, id string) (directory.User, bool, error) {
	var u directory.User
	hit, complete, err := s.get(ctx, s.userKey(id), &u)
	switch {
	case err != nil:
		return directory.User{}, false, err
	case hit:
		return u, true, nil
	case complete:
		return directory.User{}, false, nil
	}
	a, err := s.dir.Lookup(ctx, directory.Lookup{UserID: id})
	return a.User, a.Found, err
}

// UserByEmail finds the user invited with an email address.
func (s *Store) UserByEmail(ctx context.Context, email string) (directory.User, bool, error) {
	return s.User(ctx, directory.UserID(email))
}

// Authenticate resolves a presented web session or service token to who
// it acts as. For a token it checks on every request that it is unexpired
// and unrevoked and that
// its person, if any, is still active.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	if len(token) > 128 {
		return Principal{}, ErrInvalidToken
	}
	if strings.HasPrefix(token, SessionPrefix) {
		return s.authenticateSession(ctx, token)
	}
	if !strings.HasPrefix(token, TokenPrefix) {
		return Principal{}, ErrInvalidToken
	}
	hash := Hash(token)
	var t directory.Token
	hit, complete, err := s.get(ctx, s.tokenKey(hash), &t)
	if err != nil {
		return Principal{}, err
	}
	var u directory.User
	switch {
	case !hit && complete:
		return Principal{}, ErrInvalidToken
	case !hit:
		a, err := s.dir.Lookup(ctx, directory.Lookup{TokenHash: hash})
		if err != nil {
			return Principal{}, err
		}
		t, u = a.Token, a.User
	case t.UserID != "":
		var found bool
		if u, found, err = s.User(ctx, t.UserID); err != nil {
			return Principal{}, err
		} else if !found {
			return Principal{}, ErrInvalidToken
		}
	}
	a, ok := directory.TokenActor(t, u, s.now())
	if !ok {
		return Principal{}, ErrInvalidToken
	}
	p := principalOf(a)
	p.TokenID = t.ID
	// When a token was last used is an observation, not a fact, so it
	// lives in Redis alone; losing it loses nothing anyone relies on.
	_ = s.rdb.Set(ctx, s.usedKey(t.ID), s.now().UTC().Format(time.RFC3339), 0).Err()
	return p, nil
}

// LastUsed says when each of the tokens was last used, where known.
func (s *Store) LastUsed(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.usedKey(id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("auth: read last use: %w", err)
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339, str); err == nil {
				out[ids[i]] = t
			}
		}
	}
	return out, nil
}

// PoolReviewers lists who a fund may assign: the active reviewers of its
// pool. An empty fund id lists every active reviewer, for assignments
// scheduled before pools existed.
func (s *Store) PoolReviewers(ctx context.Context, fundID string) ([]directory.User, error) {
	if fundID == "" {
		a, err := s.dir.Lookup(ctx, directory.Lookup{AnyFund: true})
		return a.Pool, err
	}
	var p directory.Pool
	hit, complete, err := s.get(ctx, s.poolKey(fundID), &p)
	if err != nil {
		return nil, err
	}
	if !hit && complete {
		return []directory.User{}, nil
	}
	if hit {
		out, ok, err := s.poolFromCache(ctx, p)
		if err != nil || ok {
			return out, err
		}
	}
	a, err := s.dir.Lookup(ctx, directory.Lookup{FundID: fundID})
	return a.Pool, err
}

// poolFromCache resolves a cached pool's members; ok is false if any of
// them is missing from the cache.
func (s *Store) poolFromCache(ctx context.Context, p directory.Pool) ([]directory.User, bool, error) {
	out := []directory.User{}
	if len(p.Reviewers) == 0 {
		return out, true, nil
	}
	keys := make([]string, len(p.Reviewers))
	for i, id := range p.Reviewers {
		keys[i] = s.userKey(id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, false, fmt.Errorf("auth: read directory cache: %w", err)
	}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			return nil, false, nil
		}
		var u directory.User
		if err := json.Unmarshal([]byte(str), &u); err != nil {
			return nil, false, fmt.Errorf("auth: decode directory cache: %w", err)
		}
		if u.Active && hasRole(u, fundflow.RoleReviewer) {
			out = append(out, u)
		}
	}
	return out, true, nil
}

// Certifiers is an organisation's list of certifiers and the people it
// names, from the cache or else the directory; which of them certify on a
// given day is directory.State.AppointmentsOn's to say.
func (s *Store) Certifiers(ctx context.Context, orgCode string) ([]directory.Certifier, []directory.User, error) {
	var l directory.CertifierList
	hit, complete, err := s.get(ctx, s.certifiersKey(orgCode), &l)
	switch {
	case err != nil:
		return nil, nil, err
	case !hit && complete:
		return []directory.Certifier{}, nil, nil
	case hit:
		users, ok, err := s.cachedUsers(ctx, l.Certifiers)
		if err != nil || ok {
			return l.Certifiers, users, err
		}
	}
	a, err := s.dir.Lookup(ctx, directory.Lookup{CertifiersOf: orgCode})
	return a.Certifiers, a.Users, err
}

// cachedUsers reads the people a list names; ok is false if any of them
// is missing from the cache.
func (s *Store) cachedUsers(ctx context.Context, cs []directory.Certifier) ([]directory.User, bool, error) {
	if len(cs) == 0 {
		return nil, true, nil
	}
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = s.userKey(c.UserID)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, false, fmt.Errorf("auth: read directory cache: %w", err)
	}
	out := make([]directory.User, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			return nil, false, nil
		}
		if err := json.Unmarshal([]byte(str), &out[i]); err != nil {
			return nil, false, fmt.Errorf("auth: decode directory cache: %w", err)
		}
	}
	return out, true, nil
}

func hasRole(u directory.User, r fundflow.Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}
