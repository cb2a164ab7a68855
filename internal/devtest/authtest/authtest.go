// Package authtest gives tests service tokens without a directory
// workflow: it writes them into the cache the way the directory's
// projection does and marks the cache complete.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/directory"
)

// Token makes a machine token with role (and org) named name.
func Token(t testing.TB, s *auth.Store, role fundflow.Role, org, name string) (string, auth.Principal) {
	t.Helper()
	tok, hash, err := auth.Mint()
	if err != nil {
		t.Fatal(err)
	}
	d := directory.Token{ID: directory.TokenID(hash), Name: name, Role: role, OrgCode: org, Hash: hash, CreatedAt: time.Now(), Rev: 1}
	if err := s.Rebuild(context.Background(), directory.State{Tokens: []directory.Token{d}}); err != nil {
		t.Fatal(err)
	}
	return tok, auth.Principal{ID: d.ID, Name: name, Role: role, OrgCode: org, TokenID: d.ID}
}
