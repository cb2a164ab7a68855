//go:build !nodev

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/loadgen"
	"github.com/fundflow/fundflow/internal/fund"
)

func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var n, workers int
	var fundID string
	e, err := connect(ctx, "seed", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "applications", 1000, "how many synthetic draft applications to create")
		fs.IntVar(&workers, "concurrency", 16, "applications created at once")
		fs.StringVar(&fundID, "fund", fund.SeedID, "the fund to apply to")
	})
	if err != nil {
		return err
	}
	defer e.close()
	took, err := loadgen.Seed(ctx, e.tc, e.orgs, fundID, n, workers)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %d applications through their workflows in %s (%.0f/s)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return nil
}
