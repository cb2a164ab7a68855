//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/registry"
)

// devToken is one entry of data/dev-tokens.json, as API.md describes it.
type devToken struct {
	Token   string        `json:"token"`
	Role    fundflow.Role `json:"role"`
	OrgCode string        `json:"org_code,omitempty"`
}

// ensureDevTokens makes sure every token in data/dev-tokens.json works and
// that the file lists at least the tokens API.md promises. Tokens already in
// the file are re-registered rather than replaced, so a developer's saved
// curl commands survive restarts even with the in-memory Redis stand-in.
func ensureDevTokens(ctx context.Context, path string, store *auth.Store, orgs *registry.Registry, today registry.Date) error {
	tokens := map[string]devToken{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &tokens); err != nil {
			return fmt.Errorf("%s is not valid JSON (delete it to start afresh): %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	want := []struct {
		name string
		req  auth.Request
	}{
		{"admin", auth.Request{Role: fundflow.RoleAdmin}},
		{"reviewer1", auth.Request{Role: fundflow.RoleReviewer}},
		{"reviewer2", auth.Request{Role: fundflow.RoleReviewer}},
		{"reviewer3", auth.Request{Role: fundflow.RoleReviewer}},
		{"panel_chair", auth.Request{Role: fundflow.RolePanelChair}},
		{"programme_manager", auth.Request{Role: fundflow.RoleProgrammeManager}},
	}
	for _, code := range validOrgCodes(orgs, today) {
		want = append(want, struct {
			name string
			req  auth.Request
		}{applicantTokenName(code), auth.Request{Role: fundflow.RoleApplicant, OrgCode: code}})
	}
	for _, w := range want {
		if _, ok := tokens[w.name]; ok {
			continue
		}
		w.req.Name = w.name
		token, _, err := store.Create(ctx, w.req)
		if err != nil {
			return err
		}
		tokens[w.name] = devToken{Token: token, Role: w.req.Role, OrgCode: w.req.OrgCode}
	}
	// json.Marshal sorts map keys, so the file is stable between runs.
	for name, t := range tokens {
		if _, err := store.Register(ctx, t.Token, auth.Request{Role: t.Role, OrgCode: t.OrgCode, Name: name}); err != nil {
			return fmt.Errorf("dev token %q: %w", name, err)
		}
	}
	out, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// applicantTokenName is the dev token name API.md gives each organisation.
func applicantTokenName(code string) string { return "applicant_" + strings.ToUpper(code) }
