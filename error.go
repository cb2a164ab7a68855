package fundflow

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Code is a stable, machine-readable error code. Clients switch on it, so a
// code never changes meaning once released; the HTTP status it maps to lives
// in one place in package api.
type Code string

const (
	ECONFLICT             Code = "conflict"
	EFORBIDDEN            Code = "forbidden"
	EIDEMPOTENCYREUSED    Code = "idempotency_key_reused"
	EINSUFFICIENTCREDIT   Code = "insufficient_credit"
	EINTERNAL             Code = "internal"
	EINVALIDSTATE         Code = "invalid_state"
	EMALFORMED            Code = "malformed_request"
	EMETHODNOTALLOWED     Code = "method_not_allowed"
	ENOTFOUND             Code = "not_found"
	ERATELIMITED          Code = "rate_limited"
	ETOOLARGE             Code = "payload_too_large"
	EUNAUTHORIZED         Code = "unauthorized"
	EUNAVAILABLE          Code = "unavailable"
	EVALIDATION           Code = "validation_failed"
	EAWARDLIMIT           Code = "award_limit_reached"
	EUNSUPPORTEDMEDIATYPE Code = "unsupported_media_type"
)

// Codes is every code, in a stable order: the one list the HTTP status
// mapping, the OpenAPI document's enum and the Temporal boundary are
// checked against.
var Codes = []Code{
	ECONFLICT, EFORBIDDEN, EIDEMPOTENCYREUSED, EINSUFFICIENTCREDIT, EINTERNAL,
	EINVALIDSTATE, EMALFORMED, EMETHODNOTALLOWED, ENOTFOUND, ERATELIMITED,
	ETOOLARGE, EUNAUTHORIZED, EUNAVAILABLE, EVALIDATION, EAWARDLIMIT,
	EUNSUPPORTEDMEDIATYPE,
}

// Known reports whether c is one of Codes.
func (c Code) Known() bool { return slices.Contains(Codes, c) }

// FieldError points a validation problem at one input field, using the
// field's JSON name so a form can show the message beside it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a refusal the caller can act on. Its Message is written for the
// caller and is safe to show; anything internal stays out of it.
type Error struct {
	Code    Code         `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	for i, f := range e.Fields {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %s", sep, f.Field, f.Message)
	}
	return b.String()
}

// Errorf builds a refusal with a formatted, caller-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode unwraps err to its code; anything that is not an *Error is
// internal, which keeps unexpected failures from leaking their text.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// Invalid collects field errors so validation can report every problem at
// once instead of stopping at the first.
type Invalid []FieldError

// Add records a problem with one field.
func (v *Invalid) Add(field, format string, args ...any) {
	*v = append(*v, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Text checks a free-text field as every refusal words it: a required one
// must hold more than spaces, and limit counts characters, not bytes.
func (v *Invalid) Text(field, s string, limit int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > limit:
		v.Add(field, "must be at most %d characters", limit)
	}
}

// Err is nil when nothing was recorded, otherwise a validation error carrying
// every field problem.
func (v Invalid) Err(message string) error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: EVALIDATION, Message: message, Fields: v}
}
