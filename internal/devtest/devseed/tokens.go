package devseed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// Token is one entry of data/dev-tokens.json, as API.md describes it.
// UserID names the seeded person a staff token acts as.
type Token struct {
	Token   string        `json:"token"`
	Role    fundflow.Role `json:"role"`
	OrgCode string        `json:"org_code,omitempty"`
	UserID  string        `json:"user_id,omitempty"`
}

// EnsureTokens makes sure every token in data/dev-tokens.json is a
// service token in the directory, and that the file lists at least the
// tokens API.md promises. Staff tokens act as the seeded people, so what a
// reviewer does with a token is theirs, as if they had signed in; applicant
// tokens are machine tokens for their organisation. Tokens already in the
// file are registered rather than replaced, so a developer's saved curl
// commands survive restarts.
func EnsureTokens(ctx context.Context, path string, tc client.Client, people []Person, orgs *organisation.Registry, today organisation.Date) error {
	tokens := map[string]Token{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &tokens); err != nil {
			return fmt.Errorf("%s is not valid JSON (delete it to start afresh): %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	want := map[string]Token{}
	for _, p := range people {
		if p.Token != "" {
			want[p.Token] = Token{Role: p.Roles[0], OrgCode: p.OrgCode, UserID: directory.UserID(p.Email)}
		}
	}
	for _, code := range orgs.CodesValidOn(today, organisation.ApplicantTypes...) {
		want[ApplicantToken(code)] = Token{Role: fundflow.RoleApplicant, OrgCode: code}
	}
	for name, w := range want {
		t, ok := tokens[name]
		if !ok || t.Role != w.Role || t.OrgCode != w.OrgCode {
			if w.Token, _, err = auth.Mint(); err != nil {
				return err
			}
			tokens[name] = w
			continue
		}
		t.UserID = w.UserID
		tokens[name] = t
	}
	st, err := workflows.ReadDirectory(ctx, tc)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(tokens)) {
		t := tokens[name]
		hash := auth.Hash(t.Token)
		if _, ok := st.TokenByHash(hash); ok {
			continue
		}
		code, err := directory.CheckOrg(orgs, t.OrgCode, today)
		if err != nil {
			// An organisation abolished since the file was written: its
			// token is dropped rather than registered.
			delete(tokens, name)
			continue
		}
		key := "dev:token:" + name + ":" + directory.TokenID(hash)
		err = temporalerr.Update(ctx, tc, workflows.DirectoryWorkflowID, workflows.UpdateCreateToken, key, workflows.CreateTokenRequest{
			Command: workflows.Command{Key: key, Actor: Actor},
			NewToken: directory.NewToken{Name: name, Role: t.Role, OrgCode: code, UserID: t.UserID, Hash: hash,
				Reason: "dev token, listed in " + filepath.Base(path)},
		}, nil)
		if err != nil && fundflow.ErrorCode(err) != fundflow.ECONFLICT {
			return fmt.Errorf("dev token %q: %w", name, err)
		}
	}
	// json.Marshal sorts map keys, so the file is stable between runs.
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

// ApplicantToken is the dev token name API.md gives each organisation.
func ApplicantToken(code string) string { return "applicant_" + strings.ToUpper(code) }

// ReadTokens reads a dev-tokens.json, by token name.
func ReadTokens(path string) (map[string]Token, error) {
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	var toks map[string]Token
	if err := json.Unmarshal(b, &toks); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return toks, nil
}
