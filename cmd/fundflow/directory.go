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
	"github.com/fundflow/fundflow/internal/adapter/auth"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/workflows"
)

// cliActor is who the command line acts as in the directory's timeline: an
// operator with access to Temporal, which is what bootstraps the first
// admin.
var cliActor = fundflow.Actor{ID: "fundflow-cli", Name: "fundflow command line", Role: fundflow.RoleSystem}

// awaitDirectory starts the directory as soon as the namespace lets it,
// until ctx ends: the api may start before `fundflow setup` has made the
// namespace (its /readyz says so meanwhile), and a namespace just made
// takes the frontend a few seconds to learn of.
func awaitDirectory(ctx context.Context, tc client.Client) error {
	for {
		err := workflows.EnsureDirectory(ctx, tc)
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

// rebuildDirectoryCache empties the directory's Redis cache and writes it
// again from the directory; lookups fall back to the directory meanwhile.
func rebuildDirectoryCache(ctx context.Context, tc client.Client, store *auth.Store) (directory.State, error) {
	if err := store.Reset(ctx); err != nil {
		return directory.State{}, err
	}
	st, err := workflows.ReadDirectory(ctx, tc)
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
	err = temporalerr.Update(ctx, tc, workflows.DirectoryWorkflowID, workflows.UpdateCreateToken, key, workflows.CreateTokenRequest{
		Command: workflows.Command{Key: key, Actor: by}, NewToken: nt}, &t)
	return secret, t, err
}

// cliKey makes a fresh idempotency key for a command-line change.
func cliKey(what string) string { return fmt.Sprintf("cli:%s:%d", what, time.Now().UnixNano()) }
