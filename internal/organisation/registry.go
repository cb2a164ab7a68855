// Package organisation is the effective-dated register of UK health
// organisations: those that apply to a fund (English ICBs, Scottish health
// boards, Welsh local health boards and Northern Ireland HSC trusts) and the
// NHS trusts that join their bids as partners.
//
// Organisations come and go (42 ICBs became 36 on 1 April 2026), so the
// question is never "does this code exist" but "was it valid on this date,
// and if it had been abolished, who took over". The data is a CSV so it can
// be updated without a code change; the copy embedded here is the default.
//
// A Registry is immutable once loaded and safe for concurrent use.
//
// The people who act for an organisation are package directory's. This
// package imports csvfile and the standard library only.
package organisation

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fundflow/fundflow/internal/csvfile"
)

//go:embed uk_health_orgs.csv
var defaultCSV []byte

// Nation is a UK nation, spelt as in the registry CSV.
type Nation string

const (
	England         Nation = "England"
	Scotland        Nation = "Scotland"
	Wales           Nation = "Wales"
	NorthernIreland Nation = "Northern Ireland"
)

// nationRank orders listings the way the product talks about the nations,
// rather than alphabetically, which would put Northern Ireland (not eligible
// by default) before Scotland and Wales.
var nationRank = map[Nation]int{England: 0, Scotland: 1, Wales: 2, NorthernIreland: 3}

// OrgType is the kind of health body, spelt as in the registry CSV.
type OrgType string

const (
	ICB                   OrgType = "ICB"
	ScottishHealthBoard   OrgType = "SCOTTISH_HEALTH_BOARD"
	WelshLocalHealthBoard OrgType = "WELSH_LOCAL_HEALTH_BOARD"
	NIHSCTrust            OrgType = "NI_HSC_TRUST"
	// NHSTrust and WelshNHSTrust provide care rather than plan it for a
	// population, so they are in the register to be named as partners.
	NHSTrust      OrgType = "NHS_TRUST"
	WelshNHSTrust OrgType = "WELSH_NHS_TRUST"
)

// typeNation pins each type to its nation: an ICB in Wales is a data error,
// and eligibility rules filter on both fields.
var typeNation = map[OrgType]Nation{
	ICB:                   England,
	ScottishHealthBoard:   Scotland,
	WelshLocalHealthBoard: Wales,
	NIHSCTrust:            NorthernIreland,
	NHSTrust:              England,
	WelshNHSTrust:         Wales,
}

// ApplicantTypes are the types of the bodies that hold a population's
// budget and bid for funds. Whether a fund admits one is still the fund's
// eligible_org_types; this is what a list of who might apply, such as dev
// mode's applicant tokens, keeps to, so the trusts do not crowd it.
var ApplicantTypes = []OrgType{ICB, ScottishHealthBoard, WelshLocalHealthBoard, NIHSCTrust}

// Applicant reports whether t is one of ApplicantTypes.
func (t OrgType) Applicant() bool { return slices.Contains(ApplicantTypes, t) }

// Org is one organisation. ValidFrom and ValidTo are inclusive; a zero Date
// leaves that end open.
type Org struct {
	Code string // ODS code, or a synthetic one (see SyntheticCode)
	// SyntheticCode is set when the CSV has no ODS code and Code was derived
	// from the short name. NI HSC trusts have no ODS code in our sources, yet
	// tokens and applications are keyed by org code, so without one a trust
	// could never apply even where a fund makes NI eligible. The "NI-" prefix
	// and hyphens cannot collide with real ODS codes, which are alphanumeric.
	// If ODS codes are later added to the CSV, such trusts' codes change.
	SyntheticCode bool
	ONSCode       string
	Name          string
	ShortName     string
	Nation        Nation
	Type          OrgType
	Region        string // NHS England region; blank outside England
	Population    int64  // 0 when unknown
	ValidFrom     Date
	ValidTo       Date
	Successor     string // code of the org that took over, when abolished
	Verified      string // provenance of the row, e.g. "yes" or "partial"
	Notes         string
}

// ValidOn reports whether o existed on d.
func (o Org) ValidOn(d Date) bool {
	return (o.ValidFrom.IsZero() || o.ValidFrom.Compare(d) <= 0) &&
		(o.ValidTo.IsZero() || d.Compare(o.ValidTo) <= 0)
}

// Status is the state of a code on a given date.
type Status int

const (
	NotFound    Status = iota // no organisation has the code
	Valid                     // the organisation existed on the date
	NotYetValid               // the date is before ValidFrom
	Abolished                 // the date is after ValidTo
)

// String gives snake_case names, matching the API's field conventions.
func (s Status) String() string {
	switch s {
	case NotFound:
		return "not_found"
	case Valid:
		return "valid"
	case NotYetValid:
		return "not_yet_valid"
	case Abolished:
		return "abolished"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Validity is the answer to "could this code act on this date".
type Validity struct {
	Status Status
	// Successor is set only for Abolished: the first org along the chain of
	// successors that is valid on the date, so an applicant holding an old
	// code can be pointed at the body that exists now. It is nil when the
	// chain ends without one. Where an org was split, the CSV names only
	// the successor that took the largest share, so treat it as a hint.
	Successor *Org
}

// Registry is a loaded, validated set of organisations.
type Registry struct {
	orgs   []Org          // in listing order
	byCode map[string]int // upper-case code -> index into orgs
}

var columns = []string{
	"nation", "org_type", "code_ods", "code_ons", "name", "short_name", "nhs_region",
	"population", "valid_from", "valid_to", "successor_ods", "verified", "notes",
}

var loadDefault = sync.OnceValues(func() (*Registry, error) {
	return Load(bytes.NewReader(defaultCSV))
})

// Default returns the registry embedded in the binary, parsed once.
func Default() (*Registry, error) { return loadDefault() }

// Load parses and validates a registry CSV. It rejects the whole file on the
// first problem, naming the line, because a half-loaded registry would make
// eligibility answers quietly wrong.
func Load(rd io.Reader) (*Registry, error) {
	var orgs []Org
	var lines []int
	byCode := map[string]int{}
	err := csvfile.Rows(rd, "registry", columns, func(line int, rec []string) error {
		o, err := parseRow(rec)
		if err != nil {
			return err
		}
		key := strings.ToUpper(o.Code)
		if prev, dup := byCode[key]; dup {
			return fmt.Errorf("code %s already used on line %d", o.Code, lines[prev])
		}
		byCode[key] = len(orgs)
		orgs = append(orgs, o)
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, errors.New("registry: no organisations after the header")
	}

	for i := range orgs {
		if err := checkSuccessors(orgs, byCode, i); err != nil {
			return nil, fmt.Errorf("registry: line %d: %w", lines[i], err)
		}
	}

	slices.SortFunc(orgs, func(a, b Org) int {
		if c := nationRank[a.Nation] - nationRank[b.Nation]; c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	for i, o := range orgs {
		byCode[strings.ToUpper(o.Code)] = i
	}
	return &Registry{orgs: orgs, byCode: byCode}, nil
}

func parseRow(rec []string) (Org, error) {
	field := func(i int) string { return strings.TrimSpace(rec[i]) }
	o := Org{
		Nation:    Nation(field(0)),
		Type:      OrgType(field(1)),
		Code:      field(2),
		ONSCode:   field(3),
		Name:      field(4),
		ShortName: field(5),
		Region:    field(6),
		Successor: field(10),
		Verified:  field(11),
		Notes:     field(12),
	}
	switch {
	case o.Nation == "":
		return Org{}, errors.New("nation is blank")
	case o.Type == "":
		return Org{}, errors.New("org_type is blank")
	case o.Name == "":
		return Org{}, errors.New("name is blank")
	}
	if _, ok := nationRank[o.Nation]; !ok {
		return Org{}, fmt.Errorf("unknown nation %q", o.Nation)
	}
	want, ok := typeNation[o.Type]
	if !ok {
		return Org{}, fmt.Errorf("unknown org_type %q", o.Type)
	}
	if want != o.Nation {
		return Org{}, fmt.Errorf("org_type %s belongs to %s, not %s", o.Type, want, o.Nation)
	}

	if s := field(7); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return Org{}, fmt.Errorf("population %q is not a non-negative whole number", s)
		}
		o.Population = n
	}

	var err error
	if o.ValidFrom, err = optionalDate(field(8)); err != nil {
		return Org{}, fmt.Errorf("valid_from: %w", err)
	}
	if o.ValidTo, err = optionalDate(field(9)); err != nil {
		return Org{}, fmt.Errorf("valid_to: %w", err)
	}
	if !o.ValidFrom.IsZero() && !o.ValidTo.IsZero() && o.ValidTo.Compare(o.ValidFrom) < 0 {
		return Org{}, fmt.Errorf("valid_to %s is before valid_from %s", o.ValidTo, o.ValidFrom)
	}
	if o.Successor != "" && o.ValidTo.IsZero() {
		return Org{}, fmt.Errorf("successor_ods %s is set but valid_to is blank", o.Successor)
	}

	if o.Code == "" {
		if o.Type != NIHSCTrust {
			return Org{}, errors.New("code_ods is blank")
		}
		if o.Code, err = syntheticCode(o.ShortName); err != nil {
			return Org{}, err
		}
		o.SyntheticCode = true
	}
	return o, nil
}

func optionalDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	return ParseDate(s)
}

// syntheticCode turns "South Eastern HSCT" into "NI-SOUTH-EASTERN": readable
// in tokens and URLs, and stable as long as the short name is.
func syntheticCode(shortName string) (string, error) {
	words := strings.FieldsFunc(strings.ToUpper(shortName), func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	})
	if n := len(words); n > 0 && words[n-1] == "HSCT" {
		words = words[:n-1]
	}
	if len(words) == 0 {
		return "", fmt.Errorf("code_ods is blank and short_name %q cannot give a synthetic code", shortName)
	}
	return "NI-" + strings.Join(words, "-"), nil
}

// checkSuccessors resolves orgs[i]'s successor to its canonical spelling and
// rejects dangling references and cycles, so that ValidOn can follow chains
// without guarding against either.
func checkSuccessors(orgs []Org, byCode map[string]int, i int) error {
	if orgs[i].Successor == "" {
		return nil
	}
	j, ok := byCode[strings.ToUpper(orgs[i].Successor)]
	if !ok {
		return fmt.Errorf("successor_ods %s is not in the registry", orgs[i].Successor)
	}
	orgs[i].Successor = orgs[j].Code
	seen := map[int]bool{i: true}
	for cur := j; ; {
		if seen[cur] {
			return fmt.Errorf("successor_ods of %s leads back to %s", orgs[i].Code, orgs[cur].Code)
		}
		seen[cur] = true
		next, ok := byCode[strings.ToUpper(orgs[cur].Successor)]
		if !ok {
			// The chain ends here; a dangling successor is reported on its own line.
			return nil
		}
		cur = next
	}
}

// Lookup finds an organisation by code, ignoring case, whatever its dates.
func (r *Registry) Lookup(code string) (Org, bool) {
	i, ok := r.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Org{}, false
	}
	return r.orgs[i], true
}

// ValidOn looks code up and says whether it was valid on d. The Org is
// returned whenever the code exists, valid or not, so callers can name it.
func (r *Registry) ValidOn(code string, d Date) (Org, Validity) {
	o, ok := r.Lookup(code)
	switch {
	case !ok:
		return Org{}, Validity{Status: NotFound}
	case o.ValidOn(d):
		return o, Validity{Status: Valid}
	case !o.ValidFrom.IsZero() && d.Compare(o.ValidFrom) < 0:
		return o, Validity{Status: NotYetValid}
	}
	v := Validity{Status: Abolished}
	// Load guarantees every successor exists and the chain has no cycle.
	for s := o; s.Successor != ""; {
		s, _ = r.Lookup(s.Successor)
		if s.ValidOn(d) {
			v.Successor = &s
			break
		}
	}
	return o, v
}

// Search returns organisations whose code, name or short name contains q,
// ignoring case, in listing order (nation, then name). An empty q matches
// everything. A non-nil validOn keeps only organisations valid on that date.
func (r *Registry) Search(q string, validOn *Date) []Org {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []Org
	for _, o := range r.orgs {
		if validOn != nil && !o.ValidOn(*validOn) {
			continue
		}
		if q == "" ||
			strings.Contains(strings.ToLower(o.Code), q) ||
			strings.Contains(strings.ToLower(o.Name), q) ||
			strings.Contains(strings.ToLower(o.ShortName), q) {
			out = append(out, o)
		}
	}
	return out
}

// All returns every organisation, whatever its dates, in listing order:
// England, Scotland, Wales, Northern Ireland, then by name.
func (r *Registry) All() []Org { return slices.Clone(r.orgs) }

// CodesValidOn lists the codes of the organisations valid on d, in the
// register's order; given types, only those of one of them, as in
// CodesValidOn(d, ApplicantTypes...).
func (r *Registry) CodesValidOn(d Date, types ...OrgType) []string {
	var codes []string
	for _, o := range r.orgs {
		if o.ValidOn(d) && (len(types) == 0 || slices.Contains(types, o.Type)) {
			codes = append(codes, o.Code)
		}
	}
	return codes
}
