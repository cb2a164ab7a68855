package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/workflows"
)

// runUser invites a person from the command line: how an operator makes
// the first admin, who invites everyone else from the admin pages.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "invite" {
		fmt.Fprintln(stderr, "usage: fundflow user invite --email E --name N --role R[,R…] [--org CODE] [--reason WHY]")
		return errUsage
	}
	var email, name, roles, org, reason string
	e, err := parseCommand("user invite", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's work email, which their identity provider verifies")
		fs.StringVar(&name, "name", "", "their name, as timelines show it")
		fs.StringVar(&roles, "role", "", "comma-separated roles: applicant, reviewer, panel_chair, programme_manager, admin")
		fs.StringVar(&org, "org", "", "an applicant's organisation (ODS code, valid today)")
		fs.StringVar(&reason, "reason", "", "why, for the audit timeline")
	})
	if err != nil {
		return err
	}
	code, err := directory.CheckOrg(e.orgs, strings.ToUpper(strings.TrimSpace(org)), organisation.DateOf(time.Now()))
	if err != nil {
		return err
	}
	in := directory.Invite{Email: email, Name: name, OrgCode: code, Reason: reason}
	for r := range strings.SplitSeq(roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			in.Roles = append(in.Roles, fundflow.Role(r))
		}
	}
	if err := (&directory.State{}).CheckInvite(in); err != nil {
		return err
	}
	if err := e.dial(ctx, getenv); err != nil {
		return err
	}
	defer e.close()
	if err := workflows.EnsureDirectory(ctx, e.tc); err != nil {
		return err
	}
	key := cliKey("invite")
	var u directory.User
	if err := temporalerr.Update(ctx, e.tc, workflows.DirectoryWorkflowID, workflows.UpdateInviteUser, key, workflows.InviteUserRequest{
		Command: workflows.Command{Key: key, Actor: cliActor}, Invite: in}, &u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "invited %s <%s> as %s (%s)\n", u.Name, u.Email, roles, u.ID)
	return nil
}
