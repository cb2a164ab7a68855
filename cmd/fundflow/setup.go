package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/workflows"
)

// runSetup prepares the Temporal namespace, once per cluster and again on
// every upgrade (a release may add a search attribute): it creates the
// namespace with the audit's retention, registers the search attributes
// and checks them. It needs Temporal only, not Redis, and may run any
// number of times.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		cfg  config
		days int
	)
	fs := flag.NewFlagSet("fundflow setup", flag.ContinueOnError)
	fs.StringVar(&cfg.logLevel, "log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.IntVar(&days, "retention-days", int(cluster.AuditRetention/(24*time.Hour)),
		"how long Temporal keeps a closed application's history, the record of its decisions; an existing namespace that keeps less is raised to this")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if days < 1 {
		return fmt.Errorf("--retention-days %d: keep closed workflows for at least a day", days)
	}
	log, err := cfg.logger(stderr)
	if err != nil {
		return err
	}
	tc, namespace, err := cluster.DialFromEnv(ctx, getenv, log, nil)
	if err != nil {
		return err
	}
	defer tc.Close()
	spec := cluster.Spec{Namespace: namespace, Retention: time.Duration(days) * 24 * time.Hour, SearchAttributes: workflows.SearchAttributes()}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := cluster.Setup(ctx, tc, spec); err != nil {
		return fmt.Errorf("set up namespace %q: %w", namespace, err)
	}
	if err := cluster.Err(ctx, tc, spec); err != nil {
		return err
	}
	// The directory is where the first admin is invited; it runs from
	// install on, so nothing else has to start it.
	if err := awaitDirectory(ctx, tc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "namespace %q is ready: retention at least %d days; search attributes %s\n",
		namespace, days, strings.Join(slices.Sorted(maps.Keys(spec.SearchAttributes)), ", "))
	return nil
}
