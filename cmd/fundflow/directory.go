package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/auth"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/workflows"
)

// cliActor is who the command line acts as in the directory's timeline: an
// operator with access to Temporal, which is what bootstraps the first
// admin.
var cliActor = fundflow.Actor{ID: "fundflow-cli", Name: "fundflow command line", Role: fundflow.RoleSystem}

// ensureDirectory starts the directory workflow unless it is running.
func ensureDirectory(ctx context.Context, tc client.Client) error {
	if _, err := tc.ExecuteWorkflow(ctx, workflows.StartDirectoryOptions(), workflows.DirectoryWorkflow, workflows.DirectoryWorkflowInput{}); err != nil {
		return fmt.Errorf("start the directory: %w", err)
	}
	return nil
}

// awaitDirectory starts the directory as soon as the namespace lets it,
// until ctx ends: the api may start before `fundflow setup` has made the
// namespace (its /readyz says so meanwhile), and a namespace just made
// takes the frontend a few seconds to learn of.
func awaitDirectory(ctx context.Context, tc client.Client) error {
	for {
		err := ensureDirectory(ctx, tc)
		var notFound *serviceerror.NamespaceNotFound
		if err == nil || !errors.As(err, &notFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// directoryUpdate sends one directory Update under key, which is also its
// Update ID, and returns a refusal as a *fundflow.Error.
func directoryUpdate(ctx context.Context, tc client.Client, name, key string, arg, result any) error {
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.DirectoryWorkflowID, UpdateID: key, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	return fundflow.FromTemporal(err)
}

// directoryState reads the whole directory, less its audit timeline.
func directoryState(ctx context.Context, tc client.Client) (directory.State, error) {
	var st directory.State
	v, err := tc.QueryWorkflow(ctx, workflows.DirectoryWorkflowID, "", workflows.QueryDirectory)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return directory.State{}, fmt.Errorf("read the directory: %w", err)
	}
	return st, nil
}

// rebuildDirectoryCache empties the directory's Redis cache and writes it
// again from the directory; lookups fall back to the directory meanwhile.
func rebuildDirectoryCache(ctx context.Context, tc client.Client, store *auth.Store) (directory.State, error) {
	if err := store.Reset(ctx); err != nil {
		return directory.State{}, err
	}
	st, err := directoryState(ctx, tc)
	if err != nil {
		return directory.State{}, err
	}
	return st, store.Rebuild(ctx, st)
}

// newAuthStore is the directory cache every process shares.
func newAuthStore(cfg config, rdb redis.UniversalClient, tc client.Client) *auth.Store {
	return auth.NewStore(rdb, cfg.redisPrefix, auth.DirectoryClient{Temporal: tc}, nil)
}

// createToken mints a service token and registers its hash in the
// directory; the secret itself never reaches Temporal.
func createToken(ctx context.Context, tc client.Client, key string, by fundflow.Actor, nt directory.NewToken) (string, directory.Token, error) {
	secret, hash, err := auth.Mint()
	if err != nil {
		return "", directory.Token{}, err
	}
	nt.Hash = hash
	var t directory.Token
	err = directoryUpdate(ctx, tc, workflows.UpdateCreateToken, key, workflows.CreateTokenRequest{
		Command: workflows.Command{Key: key, Actor: by}, NewToken: nt}, &t)
	return secret, t, err
}

// cliKey makes a fresh idempotency key for a command-line change.
func cliKey(what string) string { return fmt.Sprintf("cli:%s:%d", what, time.Now().UnixNano()) }
