//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fundflow/fundflow/internal/devtest/devseed"
	"github.com/fundflow/fundflow/internal/devtest/loadgen"
)

func runBench(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fundflow bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c loadgen.Config
	var jsonOut, tokensFile string
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "the fundflow dev to load, on this machine")
	fs.StringVar(&tokensFile, "tokens", "./data/dev-tokens.json", "that fundflow dev's dev-tokens.json")
	fs.StringVar(&c.FundID, "fund", "", "the fund applications are made to (default: the bench's own, made on first use with the seeded fund's terms)")
	fs.Float64Var(&c.Rate, "rate", 200, "requests per second, arriving at fixed intervals")
	fs.DurationVar(&c.Duration, "duration", 60*time.Second, "how long to send for")
	fs.IntVar(&c.MaxRequests, "max-requests", 0, "stop after this many requests (default rate × duration)")
	fs.IntVar(&c.SSE, "sse", 20, "event-stream clients held open throughout")
	fs.IntVar(&c.Pool, "pool", 40, "draft applications created before the clock starts")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", 2000, "requests outstanding at once; one due beyond this counts as an error")
	fs.StringVar(&jsonOut, "json", "", "also write the report as JSON to this file")
	var wait time.Duration
	fs.DurationVar(&wait, "wait", 0, "wait this long for the server's /readyz first, as after starting it")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := loadgen.WaitReady(ctx, c.URL, wait); err != nil {
		return err
	}
	toks, err := devseed.ReadTokens(tokensFile)
	if err != nil {
		return err
	}
	rep, err := loadgen.Run(ctx, c, toks)
	if err != nil {
		return err
	}
	rep.Write(stdout)
	if jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if rep.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed", rep.Errors, rep.Requests)
	}
	return nil
}
