package application

import (
	"fmt"
	"regexp"

	"github.com/fundflow/fundflow/internal/fund"
)

// referencePattern is a reference Reference wrote: a fund's prefix (see
// fund.Definition.ReferencePrefix) and a sequence of at least four digits.
// It shares no shape with an application id ("app_…"), so a path segment
// is one or the other at a glance.
var referencePattern = regexp.MustCompile(`^` + fund.PrefixRule + `-[0-9]{4,9}$`)

// Reference is the n-th application's reference in a fund whose prefix is
// prefix, such as PIF-0007: short enough to read out on the phone and to
// sit on one line of a letter's header.
func Reference(prefix string, n int64) string { return fmt.Sprintf("%s-%04d", prefix, n) }

// IsReference reports whether s has a reference's shape.
func IsReference(s string) bool { return referencePattern.MatchString(s) }

// Quoted is what people read and quote for an application: its reference,
// or its id for an application from before references, which has none
// until its workflow is next reindexed.
func Quoted(reference, id string) string {
	if reference != "" {
		return reference
	}
	return id
}

// Quoted is the row's reference, or its id; see Quoted.
func (r Row) Quoted() string { return Quoted(r.Reference, r.ID) }
