package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/registry"
)

// devRedisFile is where `fundflow dev` leaves the address of its embedded
// Redis, so `fundflow token create` can reach it without REDIS_URL.
const devRedisFile = "dev-redis-url"

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: fundflow token create --role R [--org CODE] [--name N]")
		return errUsage
	}
	var cfg config
	var role, org, name string
	fs := flag.NewFlagSet("fundflow token create", flag.ContinueOnError)
	cfg.register(fs, getenv)
	fs.StringVar(&role, "role", "", "applicant, reviewer, panel_chair, programme_manager or admin")
	fs.StringVar(&org, "org", "", "the organisation's ODS code (applicants only)")
	fs.StringVar(&name, "name", "", "who the token is for, shown in timelines (defaults to the role)")
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	if name == "" {
		name = role
	}
	req := auth.Request{Role: fundflow.Role(role), OrgCode: strings.ToUpper(strings.TrimSpace(org)), Name: name}
	if err := req.Validate(); err != nil {
		return err
	}
	if req.OrgCode != "" {
		orgs, err := cfg.registry()
		if err != nil {
			return err
		}
		o, ok := orgs.Lookup(req.OrgCode)
		if !ok {
			return fmt.Errorf("no organisation %q in the registry", req.OrgCode)
		}
		req.OrgCode = o.Code
	}
	url := cfg.redisURL
	if url == "" {
		b, err := os.ReadFile(filepath.Join(cfg.dataDir, devRedisFile))
		if err != nil {
			return fmt.Errorf("REDIS_URL is not set and no `fundflow dev` is running over %s", cfg.dataDir)
		}
		url = strings.TrimSpace(string(b))
	}
	rdb, err := connectRedis(ctx, url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	token, _, err := auth.NewStore(rdb, cfg.redisPrefix, nil).Create(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// orgCodes is kept close to token creation because dev mode issues one
// applicant token for each organisation valid today.
func validOrgCodes(orgs *registry.Registry, on registry.Date) []string {
	var codes []string
	for _, o := range orgs.All() {
		if o.ValidOn(on) {
			codes = append(codes, o.Code)
		}
	}
	return codes
}
