// Package email is the one rule for an email address the engine accepts:
// the application form's answers, invitations to the directory and the
// form's JSON schema all state it from here, so an address one of them
// takes is never refused, or mailed to, by another.
//
// The rule is an address SMTP delivers to as written: a dot-atom local
// part (RFC 5322 atext, no quoting, no leading, trailing or doubled dot),
// an @, and a domain of at least two host names' labels, within RFC 5321's
// lengths. Display names, comments, quoted local parts, IP literals and
// non-ASCII addresses are refused: they parse, but fail later where nobody
// sees why.
//
// It is pure domain: it imports only the standard library, and not
// net/mail, which workflow code must not reach.
package email

import (
	"regexp"
	"strings"
)

const (
	// MaxLen is the longest address SMTP can deliver to (RFC 5321's path).
	MaxLen = 254
	// MaxLocalLen is the longest local part, before the @ (RFC 5321).
	MaxLocalLen = 64
)

// Pattern is the rule's shape as a regular expression that RE2 and
// ECMA-262 (a JSON-schema "pattern", with no flag, u or v) read alike. The lengths are checked apart, as a schema's maxLength and its
// "email" format do.
const Pattern = "^" + atom + `(\.` + atom + `)*@` + label + `(\.` + label + `)+$`

// The punctuation in the classes is escaped because ECMA-262's v flag
// requires it; RE2 and the u flag accept the escapes.
const (
	atom  = "[A-Za-z0-9!#$%&'*+\\/=?^_`\\{\\|\\}~\\-]+"
	label = `[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?`
)

var pattern = regexp.MustCompile(Pattern)

// Valid reports whether s, exactly as given, is an address by the rule.
func Valid(s string) bool {
	return len(s) <= MaxLen && strings.IndexByte(s, '@') <= MaxLocalLen && pattern.MatchString(s)
}
