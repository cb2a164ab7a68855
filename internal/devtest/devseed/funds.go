package devseed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// Funds are the funds dev mode seeds: the Prevention Innovation Fund,
// and a social-prescribing fund that asks its own questions, so anyone can
// see that the engine is not hard-wired to one fund or one form.
// Both ask for the certifier's sign-off, as ICBs' own governance does, and
// both are offered on grant terms with monitoring returns.
func Funds(now time.Time) []fund.Definition {
	pif, csp := fund.SeedDefinition(now), fund.SocialPrescribingDefinition(now)
	pif.Terms, pif.Reporting = fund.SeedTerms(), fund.SeedReporting()
	csp.Terms, csp.Reporting = fund.SocialPrescribingTerms(), fund.SocialPrescribingReporting()
	out := []fund.Definition{pif, csp}
	for i := range out {
		out[i].SignOff = fund.SignOff{Required: true}
	}
	return out
}

// SeedFunds starts dev's funds, already open, the first time dev mode runs
// over a data directory. An open fund's terms are frozen, so a fund seeded
// by an older fundflow stays as it was; the log says so when its
// milestones ask for other documents than today's seed.
func SeedFunds(ctx context.Context, tc client.Client, now time.Time, log *slog.Logger) error {
	for _, def := range Funds(now) {
		_, err := tc.ExecuteWorkflow(ctx, workflows.StartFundOptions(def.ID),
			workflows.FundWorkflow, workflows.FundWorkflowInput{Definition: def, Status: fund.StatusOpen})
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if err != nil && !errors.As(err, &started) {
			return fmt.Errorf("seed fund %s: %w", def.ID, err)
		}
		if started == nil {
			continue
		}
		var v workflows.FundView
		resp, err := tc.QueryWorkflow(ctx, workflows.FundWorkflowID(def.ID), "", workflows.QueryFund)
		if err == nil {
			err = resp.Get(&v)
		}
		if err == nil && !slices.Equal(v.Definition.DocumentKinds(), def.DocumentKinds()) {
			log.Warn("this data directory's seeded fund predates the documents today's seed requires at its milestones; remove the data directory (or pass --ephemeral) to start over with it",
				"fund", def.ID)
		}
	}
	return nil
}
