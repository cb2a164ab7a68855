// Command fundflow is the one binary: `dev` runs the whole stack in one
// process; `api` and `worker` run the halves separately against an external
// Temporal cluster and Redis; `token` issues API tokens.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `fundflow runs prevention-fund applications on Temporal.

Usage:
  fundflow dev     [flags]   everything in one process: embedded Temporal, worker, API, UIs
  fundflow setup   [flags]   create the Temporal namespace and its search attributes (idempotent)
  fundflow api     [flags]   the HTTP API, against TEMPORAL_ADDRESS and REDIS_URL
  fundflow worker  [flags]   the Temporal worker, against TEMPORAL_ADDRESS and REDIS_URL; probes and metrics on --http
  fundflow token create|list|revoke   service tokens, kept in the directory
  fundflow user invite --email E --name N --role R   invite a person (the first admin)
  fundflow reindex [--check]  rebuild (or check) Redis read models and the directory cache from Temporal
  fundflow letters check|rebuild   compare recorded letters with the blob store, or re-render missing ones
  fundflow documents sweep [--delete]  list (or delete) stored files no record needs, and expired quarantine
  fundflow seed --applications N   create N synthetic drafts through the workflows, for measuring
  fundflow bench   [flags]   sustained load at a fixed rate against a fundflow dev on this machine

Run "fundflow <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "fundflow:", err)
		}
		os.Exit(1)
	}
}

// errUsage means the usage text was already printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "dev":
		return runDev(ctx, rest, getenv, stdout, stderr)
	case "setup":
		return runSetup(ctx, rest, getenv, stdout, stderr)
	case "api":
		return runAPI(ctx, rest, getenv, stderr)
	case "worker":
		return runWorker(ctx, rest, getenv, stderr)
	case "letters":
		return runLetters(ctx, rest, getenv, stdout, stderr)
	case "documents":
		return runDocuments(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return runSeed(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "reindex":
		return runReindex(ctx, rest, getenv, stdout, stderr)
	case "token":
		return runToken(ctx, rest, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
