package fundflow

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// ToTemporal turns a refusal into the application error Temporal carries
// back to the caller of an Update, keeping its code and field errors. Marked
// non-retryable: a refusal is a verdict, not a transient failure.
func ToTemporal(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, string(e.Code), temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{e.Fields},
	})
}

// FromTemporal recovers the refusal carried by a Temporal error. Errors that
// carry no fundflow code come back unchanged, so callers treat them as
// internal and never show their text.
func FromTemporal(err error) error {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return err
	}
	code := Code(ae.Type())
	if !code.known() {
		return err
	}
	e := &Error{Code: code, Message: ae.Message()}
	if ae.HasDetails() {
		_ = ae.Details(&e.Fields)
	}
	return e
}

func (c Code) known() bool {
	switch c {
	case ECONFLICT, EFORBIDDEN, EIDEMPOTENCYREUSED, EINSUFFICIENTCREDIT, EINVALIDSTATE,
		EMALFORMED, ENOTFOUND, ERATELIMITED, ETOOLARGE, EUNAUTHORIZED, EUNAVAILABLE,
		EVALIDATION, EAWARDLIMIT, EUNSUPPORTEDMEDIATYPE:
		return true
	}
	return false
}
