package auth_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/devtest/testredis"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

// fakeDirectory answers lookups from a state and counts them.
type fakeDirectory struct {
	st    *directory.State
	asked int
}

func (f *fakeDirectory) Lookup(_ context.Context, q directory.Lookup) (directory.Answer, error) {
	f.asked++
	return f.st.Answer(q), nil
}

func TestCacheFallsBackUntilRebuilt(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testredis.New(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := &directory.State{}
	u, err := st.InviteUser(directory.Invite{Email: "rhian@nhs.net", Name: "Rhian", Roles: []fundflow.Role{fundflow.RoleReviewer}}, fundflow.System, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, _ := auth.Mint()
	if _, err := st.CreateToken(directory.NewToken{Name: "scripts", Role: fundflow.RoleReviewer, UserID: u.ID, Hash: hash}, fundflow.System, now); err != nil {
		t.Fatal(err)
	}
	dir := &fakeDirectory{st: st}
	s := auth.NewStore(rdb, prefix, dir, clock)

	// An empty cache (as after FLUSHDB) asks the directory.
	p, err := s.Authenticate(ctx, tok)
	if err != nil || p.ID != u.ID || p.Role != fundflow.RoleReviewer {
		t.Fatalf("fallback: %+v %v", p, err)
	}
	if dir.asked != 1 {
		t.Fatalf("asked %d times", dir.asked)
	}
	if _, err := s.Authenticate(ctx, "ff_unknown"); !errors.Is(err, auth.ErrInvalidToken) || dir.asked != 2 {
		t.Fatalf("unknown before rebuild: %v, asked %d", err, dir.asked)
	}

	// Once rebuilt the cache answers alone, unknown tokens included.
	if err := s.Rebuild(ctx, *st); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ff_unknown"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatal(err)
	}
	if dir.asked != 2 {
		t.Fatalf("a complete cache still asked the directory (%d)", dir.asked)
	}

	// A session starts only for an invited, active email.
	session, _, err := s.StartSession(ctx, "Rhian@NHS.net")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StartSession(ctx, "nobody@nhs.net"); !errors.Is(err, auth.ErrNotInvited) {
		t.Fatalf("uninvited: %v", err)
	}

	// Deactivation, projected, stops the token and the session at once.
	if _, err := st.SetActive(u.ID, false, "left", fundflow.System, now); err != nil {
		t.Fatal(err)
	}
	du, _ := st.User(u.ID)
	if err := s.Project(ctx, []directory.User{du}, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{tok, session} {
		if _, err := s.Authenticate(ctx, c); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("deactivated: %v", err)
		}
	}
	// An older copy arriving late does not bring them back.
	if err := s.Project(ctx, []directory.User{u}, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatal("a stale projection reactivated the user")
	}
}

func TestSessionsTimeOut(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testredis.New(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st := &directory.State{}
	if _, err := st.InviteUser(directory.Invite{Email: "jo@nhs.net", Name: "Jo", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}, fundflow.System, now); err != nil {
		t.Fatal(err)
	}
	s := auth.NewStore(rdb, prefix, &fakeDirectory{st: st}, func() time.Time { return now })
	if err := s.Rebuild(ctx, *st); err != nil {
		t.Fatal(err)
	}
	session, _, err := s.StartSession(ctx, "jo@nhs.net")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Authenticate(ctx, session); err != nil || p.OrgCode != "QUY" {
		t.Fatalf("%+v %v", p, err)
	}
	if ttl := rdb.TTL(ctx, prefix+"dir:session:"+auth.Hash(session)).Val(); ttl <= 0 || ttl > auth.SessionIdle {
		t.Fatalf("idle timeout %s", ttl)
	}
	now = now.Add(auth.SessionAbsolute + time.Minute)
	if _, err := s.Authenticate(ctx, session); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("past the absolute timeout: %v", err)
	}
	session, _, _ = s.StartSession(ctx, "jo@nhs.net")
	if err := s.EndSession(ctx, session); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, session); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatal("an ended session still works")
	}
}

// An organisation's certifiers come from the directory until the cache
// holds them and every person they name, and from the cache alone after.
func TestCertifiersAreCached(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testredis.New(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st := &directory.State{}
	u, err := st.InviteUser(directory.Invite{Email: "helen.barker@quy.nhs.uk", Name: "Helen Barker", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}, fundflow.System, now)
	if err != nil {
		t.Fatal(err)
	}
	cs := []directory.Certifier{{UserID: u.ID, Capacity: directory.CapacityChiefFinanceOfficer, From: organisation.DateOf(now)}}
	if _, err := st.SetCertifiers("QUY", cs, "", fundflow.System, now); err != nil {
		t.Fatal(err)
	}
	dir := &fakeDirectory{st: st}
	s := auth.NewStore(rdb, prefix, dir, func() time.Time { return now })
	want := st.CertifiersOf("QUY")

	got, users, err := s.Certifiers(ctx, "QUY")
	if err != nil || !reflect.DeepEqual(got, want) || len(users) != 1 || users[0].ID != u.ID || dir.asked != 1 {
		t.Fatalf("before any projection: %+v %+v %v, asked %d", got, users, err, dir.asked)
	}
	// The list alone is not enough: its person must be cached too.
	if err := s.Project(ctx, nil, nil, nil, []directory.CertifierList{{OrgCode: "QUY", Certifiers: want, Rev: st.Rev}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Certifiers(ctx, "QUY"); err != nil || dir.asked != 2 {
		t.Fatalf("person not cached: %v, asked %d", err, dir.asked)
	}
	if err := s.Rebuild(ctx, *st); err != nil {
		t.Fatal(err)
	}
	got, users, err = s.Certifiers(ctx, "QUY")
	if err != nil || !reflect.DeepEqual(got, want) || len(users) != 1 || dir.asked != 2 {
		t.Fatalf("after the rebuild: %+v %+v %v, asked %d", got, users, err, dir.asked)
	}
	if got, _, err := s.Certifiers(ctx, "7A1"); err != nil || len(got) != 0 || dir.asked != 2 {
		t.Fatalf("an organisation with none: %+v %v, asked %d", got, err, dir.asked)
	}
	// An emptied list projected later replaces the cached one; the copy
	// the rebuild wrote, arriving late, does not bring it back.
	if err := s.Project(ctx, nil, nil, nil, []directory.CertifierList{{OrgCode: "QUY", Certifiers: []directory.Certifier{}, Rev: st.Rev + 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Project(ctx, nil, nil, nil, []directory.CertifierList{{OrgCode: "QUY", Certifiers: want, Rev: st.Rev}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Certifiers(ctx, "QUY"); len(got) != 0 {
		t.Fatalf("a stale list came back: %+v", got)
	}
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := rdb.Keys(ctx, prefix+"dir:certifiers:*").Val(); len(keys) != 0 {
		t.Fatalf("reset left %v", keys)
	}
}
