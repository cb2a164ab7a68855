// Package document is the vocabulary of uploaded files: the record an
// application keeps of each, the types fundflow accepts, judged by their
// bytes and never by their names, and the names it will keep.
//
// It imports the root package and the standard library only, never
// the blob store that keeps the bytes (internal/adapter/blob).
package document

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fundflow/fundflow"
)

// Space is the part of the blob store uploads live in, by SHA-256;
// QuarantineSpace is where an infected one is moved, out of reach of every
// download.
const (
	Space           = "documents"
	QuarantineSpace = "quarantine"
)

// ScanStatus is where a file is in malware scanning.
type ScanStatus string

const (
	// ScanPending files are waiting for clamd and are never served.
	ScanPending ScanStatus = "pending"
	ScanClean   ScanStatus = "clean"
	// ScanInfected files are quarantined and never served.
	ScanInfected ScanStatus = "infected"
	// ScanNotScanned files were stored where scanning is switched off,
	// which only `fundflow dev` or an explicit setting allows.
	ScanNotScanned ScanStatus = "not_scanned"
)

// Servable reports whether a file in this status may be downloaded.
func (s ScanStatus) Servable() bool { return s == ScanClean || s == ScanNotScanned }

// Document is an application's record of one uploaded file. The bytes are
// in the blob store under SHA256; everything else is here, in the
// application's workflow, the system of record.
type Document struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Size        int64          `json:"size"`
	SHA256      string         `json:"sha256"`
	ContentType string         `json:"content_type"`
	Kind        string         `json:"kind,omitempty"`
	ScanStatus  ScanStatus     `json:"scan_status"`
	Signature   string         `json:"signature,omitempty"`
	UploadedAt  time.Time      `json:"uploaded_at"`
	UploadedBy  fundflow.Actor `json:"uploaded_by"`
	ScannedAt   time.Time      `json:"scanned_at,omitzero"`
}

// Upload is what the API knows of a file it has stored: the record less
// what the workflow decides (id, time, scanning).
type Upload struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Kind        string `json:"kind,omitempty"`
}

// Requirement is a kind of document a milestone's evidence must include,
// such as {dpia, "Signed-off DPIA"}.
type Requirement struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
}

// Limits on uploads. MaxFiles keeps an application's record, which lives
// in workflow state, small.
const (
	DefaultMaxSize = 20 << 20
	MaxFiles       = 100
	maxNameBytes   = 150
)

// A document's kind ("budget", "project_plan") is named by a form's
// question, a milestone's required documents and each upload; all three
// check it here, and say what is wrong in KindRule's words.
var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// KindRule is what a refused kind is told.
const KindRule = "must be 1 to 40 lower-case letters, digits or '_', starting with a letter"

// ValidKind reports whether kind is a short snake_case name.
func ValidKind(kind string) bool { return kindPattern.MatchString(kind) }

// CheckUpload is the rule an upload's record must keep, for the workflow's
// validator; the API has already made it so.
func CheckUpload(v *fundflow.Invalid, u Upload) {
	if u.Size <= 0 {
		v.Add("file", "must not be empty")
	}
	if len(u.SHA256) != 64 || strings.Trim(u.SHA256, "0123456789abcdef") != "" {
		v.Add("sha256", "must be 64 lower-case hex digits")
	}
	if clean, err := CleanName(u.Name); err != nil || clean != u.Name {
		v.Add("name", "must be a clean file name")
	}
	if !accepted(u.ContentType) {
		v.Add("content_type", "must be one of the accepted types")
	}
	if u.Kind != "" && !ValidKind(u.Kind) {
		v.Add("kind", KindRule)
	}
}

// CleanName keeps what a person would recognise of a file name and drops
// anything a file system, a header or a terminal could read as more than a
// name: directories (either slash), control and format characters, leading
// dots, and length beyond maxNameBytes. The extension follows the type the
// bytes were found to be, so a name never claims another.
func CleanName(name string) (string, error) {
	name = strings.ReplaceAll(name, `\`, "/")
	name = strings.TrimPrefix(path.Base(path.Clean("/"+name)), "/")
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		case r == '"' || r == '/' || r == ':' || r == '*' || r == '?' || r == '<' || r == '>' || r == '|':
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ". ")
	if name == "" {
		return "", fmt.Errorf("the file name has nothing left once cleaned")
	}
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name[:maxNameBytes])
		name = name[:maxNameBytes-size+1]
		name = strings.ToValidUTF8(name, "")
	}
	return name, nil
}

// WithExtension gives name the extension of its content type, after any
// it had, so a name never claims a type its bytes are not.
func WithExtension(name, contentType string) string {
	ext := extensions[contentType]
	cur := strings.ToLower(path.Ext(name))
	if cur == ext || (ext == ".jpg" && cur == ".jpeg") {
		return name
	}
	return name + ext
}
