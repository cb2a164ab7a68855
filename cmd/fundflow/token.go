package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

const tokenUsage = `usage:
  fundflow token create --role R [--org CODE] [--name N] [--user EMAIL] [--expires 90d]
  fundflow token list
  fundflow token revoke --id tok_… [--reason WHY]`

// runToken manages service tokens through the directory, as an operator
// with access to Temporal.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tokenUsage)
		return errUsage
	}
	var role, org, name, user, expires, id, reason string
	extra := func(fs *flag.FlagSet) {}
	switch args[0] {
	case "create":
		extra = func(fs *flag.FlagSet) {
			fs.StringVar(&role, "role", "", "applicant, reviewer, panel_chair, programme_manager or admin")
			fs.StringVar(&org, "org", "", "the organisation's ODS code (applicants only); it must be valid today")
			fs.StringVar(&name, "name", "", "what the token is for, shown in timelines and the token list (defaults to the role)")
			fs.StringVar(&user, "user", "", "email of an invited person the token acts as; it stops working if they are deactivated")
			fs.StringVar(&expires, "expires", "", "lifetime such as 90d or 720h; empty never expires")
			fs.StringVar(&reason, "reason", "", "why, for the audit timeline")
		}
	case "list":
	case "revoke":
		extra = func(fs *flag.FlagSet) {
			fs.StringVar(&id, "id", "", "the token's id, from `fundflow token list`")
			fs.StringVar(&reason, "reason", "", "why, for the audit timeline")
		}
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return errUsage
	}
	e, err := parseCommand("token "+args[0], args[1:], getenv, stderr, extra)
	if err != nil {
		return err
	}
	var nt directory.NewToken
	switch args[0] {
	case "create":
		// A request that cannot succeed is refused before anything is
		// dialled.
		if nt, err = tokenRequest(e.orgs, role, org, name, user, expires, reason, time.Now()); err != nil {
			return err
		}
	case "revoke":
		if id == "" {
			return fmt.Errorf("--id is required")
		}
	}
	if err := e.dial(ctx, getenv); err != nil {
		return err
	}
	defer e.close()
	if err := workflows.EnsureDirectory(ctx, e.tc); err != nil {
		return err
	}
	switch args[0] {
	case "create":
		secret, _, err := createToken(ctx, e.tc, cliKey("token"), cliActor, nt)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		return nil
	case "revoke":
		key := cliKey("revoke")
		return temporalerr.Update(ctx, e.tc, workflows.DirectoryWorkflowID, workflows.UpdateRevokeToken, key, workflows.RevokeTokenRequest{
			Command: workflows.Command{Key: key, Actor: cliActor}, TokenID: id, Reason: reason}, nil)
	}
	st, err := workflows.ReadDirectory(ctx, e.tc)
	if err != nil {
		return err
	}
	used, err := newAuthStore(e.cfg, e.redis, e.tc).LastUsed(ctx, tokenIDs(st.Tokens))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tORG\tEXPIRES\tLAST USED\tSTATUS")
	for _, t := range st.Tokens {
		status := "active"
		switch {
		case !t.RevokedAt.IsZero():
			status = "revoked " + t.RevokedAt.Format(time.DateOnly)
		case !t.Usable(time.Now()):
			status = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, dash(t.OrgCode), dashTime(t.ExpiresAt), dashTime(used[t.ID]), status)
	}
	return tw.Flush()
}

func tokenIDs(ts []directory.Token) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dashTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateTime)
}

// tokenRequest checks a token request as far as it can before the
// directory sees it: the organisation must be valid today.
func tokenRequest(orgs *organisation.Registry, role, org, name, user, expires, reason string, now time.Time) (directory.NewToken, error) {
	if name == "" {
		name = role
	}
	code, err := directory.CheckOrg(orgs, strings.ToUpper(strings.TrimSpace(org)), organisation.DateOf(now))
	if err != nil {
		return directory.NewToken{}, err
	}
	nt := directory.NewToken{Name: name, Role: fundflow.Role(role), OrgCode: code, Reason: reason}
	if user != "" {
		nt.UserID = directory.UserID(user)
	}
	if expires != "" {
		d, err := parseLifetime(expires)
		if err != nil {
			return directory.NewToken{}, err
		}
		nt.ExpiresAt = now.Add(d).UTC().Truncate(time.Second)
	}
	return nt, nt.Check(now).Err("the token request is invalid")
}

// parseLifetime reads a Go duration or a whole number of days ("90d").
func parseLifetime(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: use a lifetime such as 90d or 720h", s)
	}
	return d, nil
}
