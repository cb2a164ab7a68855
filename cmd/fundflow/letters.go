package main

import (
	"context"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

const lettersUsage = `Usage:
  fundflow letters check     compare every recorded letter's SHA-256 with the blob store
  fundflow letters rebuild   re-render missing or damaged letters from their recorded snapshots
`

// runLetters checks the letter store against Temporal, the system of
// record: each application's workflow lists the letters it issued, with
// their hashes and the snapshots they were rendered from.
func runLetters(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "rebuild") {
		fmt.Fprint(stderr, lettersUsage)
		return errUsage
	}
	rebuild := args[0] == "rebuild"
	e, err := parseCommand("letters "+args[0], args[1:], getenv, stderr, nil)
	if err != nil {
		return err
	}
	tc, blobs, closeAll, err := e.dialRecords(ctx, getenv)
	if err != nil {
		return err
	}
	defer closeAll()
	recs, err := letterRecords(ctx, tc)
	if err != nil {
		return err
	}
	found, err := letters.Check(ctx, blobs.Space(letters.Space), recs, rebuild)
	if err != nil {
		return err
	}
	for _, f := range found {
		fmt.Fprintln(stdout, f)
	}
	summary, err := letters.Summary(len(recs), found, rebuild)
	fmt.Fprintln(stdout, summary)
	return err
}

// letterRecords lists every application's letters from Temporal.
func letterRecords(ctx context.Context, tc client.Client) ([]letters.Recorded, error) {
	return fromEveryView(ctx, tc, func(v workflows.ApplicationView) []letters.Recorded {
		recs := make([]letters.Recorded, len(v.Letters))
		for i, l := range v.Letters {
			recs[i] = letters.Recorded{Ref: l.Ref, SHA256: l.SHA256, Snapshot: l.Snapshot}
		}
		return recs
	})
}
