package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/logging"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
	"github.com/fundflow/fundflow/workflows"
)

var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// command is who is acting and under which idempotency key. A client's
// Idempotency-Key is scoped to the caller, so two callers can never collide
// on a key; without one, each request is its own attempt.
func command(r *http.Request) (workflows.Command, error) {
	p := principal(r.Context())
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		key = hex.EncodeToString(b[:])
	} else if !idempotencyKeyPattern.MatchString(key) {
		return workflows.Command{}, &fundflow.Error{Code: fundflow.EVALIDATION, Message: "the Idempotency-Key header is malformed",
			Fields: []fundflow.FieldError{{Field: "Idempotency-Key", Message: "use 1 to 100 letters, digits, '.', '_', ':' or '-'"}}}
	}
	return workflows.Command{Key: p.ID + ":" + key, Actor: p.Actor()}, nil
}

// readCommand is how every command handler starts: decode the body, which
// commands such as submit may leave out, and say who is acting under which
// key.
func readCommand(w http.ResponseWriter, r *http.Request, body any) (workflows.Command, error) {
	if r.ContentLength != 0 {
		if err := decode(w, r, body); err != nil {
			return workflows.Command{}, err
		}
	}
	return command(r)
}

// Every Temporal call a request makes has a deadline, so that a stopped or
// unreachable cluster answers 503 within seconds instead of holding the
// request until a load balancer cuts it off. A read answers from a
// workflow's state; a command may wait on the workflow's own activities (a
// decision reserves credit at the fund), which retry within a few seconds
// when a worker dies, so it gets longer, and still well under the 30
// seconds a load balancer commonly allows. A client retrying a command
// after a 503 with the same Idempotency-Key rejoins the same Update.
const (
	readTimeout    = 10 * time.Second
	commandTimeout = 25 * time.Second
)

// update sends an Update and waits for its result. The command key doubles
// as the Update ID, so the server itself folds a retried request into the
// first one.
func (s *server) update(ctx context.Context, workflowID, name, key string, arg, result any) error {
	ctx = logging.With(ctx, slog.String("workflow_id", workflowID))
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return temporalerr.Update(ctx, s.Temporal, workflowID, name, key, arg, result)
}

// orNotFound names what was asked for when Temporal has no such workflow.
func orNotFound(err error, format string, args ...any) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fundflow.Errorf(fundflow.ENOTFOUND, format, args...)
	}
	return err
}

// query reads a workflow's state through one of its queries.
func (s *server) query(ctx context.Context, workflowID, name string, result any, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, workflowID, "", name, args...)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := v.Get(result); err != nil {
		return errors.Join(errors.New("decode query result"), err)
	}
	return nil
}
