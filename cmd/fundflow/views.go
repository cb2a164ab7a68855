package main

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow/workflows"
)

// applicationIDs lists every application once, across Continue-As-New runs.
func applicationIDs(ctx context.Context, tc client.Client) ([]string, error) {
	ids, err := workflows.ListIDs(ctx, tc, workflows.EveryApplication)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return ids, nil
}

// eachView queries each application's view, with every audience's actions
// as the projection holds them, eight at a time so a large
// fund does not flood the frontend, and hands it to fn with its index in
// ids; the first error stops the rest and cancels the ctx fn was given.
func eachView(ctx context.Context, tc client.Client, ids []string, fn func(ctx context.Context, i int, v workflows.ApplicationView) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, id := range ids {
		g.Go(func() error {
			resp, err := tc.QueryWorkflow(gctx, workflows.ApplicationWorkflowID(id), "", workflows.QueryApplication,
				workflows.ViewQuery{Audiences: true})
			if err != nil {
				return fmt.Errorf("query %s: %w", id, err)
			}
			var v workflows.ApplicationView
			if err := resp.Get(&v); err != nil {
				return err
			}
			return fn(gctx, i, v)
		})
	}
	return g.Wait()
}

// fromEveryView gathers what pick takes from every application's view,
// queried from Temporal, in applicationIDs' order.
func fromEveryView[T any](ctx context.Context, tc client.Client, pick func(workflows.ApplicationView) []T) ([]T, error) {
	ids, err := applicationIDs(ctx, tc)
	if err != nil {
		return nil, err
	}
	per := make([][]T, len(ids))
	if err := eachView(ctx, tc, ids, func(_ context.Context, i int, v workflows.ApplicationView) error {
		per[i] = pick(v)
		return nil
	}); err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}
