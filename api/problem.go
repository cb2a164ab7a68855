package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/temporalerr"
)

// statusOf is the one place a domain error code becomes an HTTP status.
var statusOf = map[fundflow.Code]int{
	fundflow.EMALFORMED:            http.StatusBadRequest,
	fundflow.EUNAUTHORIZED:         http.StatusUnauthorized,
	fundflow.EFORBIDDEN:            http.StatusForbidden,
	fundflow.ENOTFOUND:             http.StatusNotFound,
	fundflow.EMETHODNOTALLOWED:     http.StatusMethodNotAllowed,
	fundflow.ECONFLICT:             http.StatusConflict,
	fundflow.EINVALIDSTATE:         http.StatusConflict,
	fundflow.EINSUFFICIENTCREDIT:   http.StatusConflict,
	fundflow.EAWARDLIMIT:           http.StatusConflict,
	fundflow.ETOOLARGE:             http.StatusRequestEntityTooLarge,
	fundflow.EUNSUPPORTEDMEDIATYPE: http.StatusUnsupportedMediaType,
	fundflow.EVALIDATION:           http.StatusUnprocessableEntity,
	fundflow.EIDEMPOTENCYREUSED:    http.StatusUnprocessableEntity,
	fundflow.ERATELIMITED:          http.StatusTooManyRequests,
	fundflow.EINTERNAL:             http.StatusInternalServerError,
	fundflow.EUNAVAILABLE:          http.StatusServiceUnavailable,
}

// problem is an RFC 7807 body with fundflow's stable code and field errors.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Code   fundflow.Code         `json:"code"`
	Errors []fundflow.FieldError `json:"errors,omitempty"`
}

// writeError answers with a problem for any error. Only fundflow.Errors carry
// their message to the caller; anything else is logged and answered with a
// generic message so internals never leak.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.classify(r.Context(), err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("code", string(e.Code)), slog.Any("error", err))
	}
	writeProblem(w, status, e)
}

func writeProblem(w http.ResponseWriter, status int, e *fundflow.Error) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type:   "urn:fundflow:problem:" + string(e.Code),
		Title:  http.StatusText(status),
		Status: status,
		Detail: e.Message,
		Code:   e.Code,
		Errors: e.Fields,
	})
}

func (s *server) classify(ctx context.Context, err error) *fundflow.Error {
	err = temporalerr.Decode(err)
	var fe *fundflow.Error
	if errors.As(err, &fe) {
		return fe
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fundflow.Errorf(fundflow.ENOTFOUND, "not found")
	}
	if unavailable(ctx, err) {
		return fundflow.Errorf(fundflow.EUNAVAILABLE, "a backing service is unavailable; try again shortly")
	}
	return fundflow.Errorf(fundflow.EINTERNAL, "something went wrong on our side; it has been logged")
}

// unavailable reports whether err means Temporal (or Redis) could not be
// reached or did not answer in time, which the caller may retry, rather
// than a fault. A deadline counts only when it was ours, not the caller's
// cancelled request.
func unavailable(ctx context.Context, err error) bool {
	var (
		down      *serviceerror.Unavailable
		exhausted *serviceerror.ResourceExhausted
		late      *serviceerror.DeadlineExceeded
		netErr    net.Error
	)
	if errors.As(err, &down) || errors.As(err, &exhausted) {
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	if errors.As(err, &late) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) {
		return true
	}
	// A gRPC status anywhere in the chain (status.Code looks through
	// wrapping).
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}
