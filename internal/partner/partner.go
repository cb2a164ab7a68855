// Package partner is the vocabulary and the rules of a bid's partner
// organisations: who they are, by the register each kind is known to, what
// part they play, and their shares of the credit, the delivery and the match
// funding.
//
// A partner that is an NHS body is named by its ODS code and takes its name
// from the organisation registry, so a bid cannot name a trust the registry
// does not know or one that has gone; every other kind is named by the
// applicant and known by its register number. The lead organisation is the
// application's, not a partner.
//
// Everything here is pure. It imports the root package, organisation and
// money (for the figures a refusal states) only.
package partner

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/internal/organisation"
)

// Kind is the sort of organisation a partner is, which says which register
// knows it.
type Kind string

const (
	NHSBody        Kind = "nhs_body"
	LocalAuthority Kind = "local_authority"
	Voluntary      Kind = "voluntary"
	Company        Kind = "company"
	University     Kind = "university"
)

var kinds = []Kind{NHSBody, LocalAuthority, Voluntary, Company, University}

// Kinds lists every kind in the order a form offers them.
func Kinds() []Kind { return slices.Clone(kinds) }

// Label is the kind as people read it.
func (k Kind) Label() string {
	switch k {
	case NHSBody:
		return "NHS body"
	case LocalAuthority:
		return "Local authority"
	case Voluntary:
		return "Voluntary or community organisation"
	case Company:
		return "Company"
	case University:
		return "University"
	}
	return string(k)
}

// Partner is one organisation in a bid besides the lead.
type Partner struct {
	// ID is assigned by the application workflow (p1, p2, ...) and never
	// reused, so comments and variations can point at a partner whatever
	// else changes; Check ignores it.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// ODSCode names an NHS body from the registry; its Name is then the
	// registry's.
	ODSCode string `json:"ods_code,omitempty"`
	Name    string `json:"name"`
	// Identifier is the register number for the kind: a council's GSS
	// code, a charity number (England and Wales, Scotland SC…, Northern
	// Ireland NIC…) or Companies House number for a voluntary
	// organisation, a Companies House number for a company, a UKPRN for a
	// university. Local authorities and companies must give one.
	Identifier string `json:"identifier,omitempty"`
	// Role is the part it plays in the bid.
	Role string `json:"role"`
	// SharePence is its share of the requested credit; DeliveryPercent its
	// share of the delivery, 0 to 100.
	SharePence      int64 `json:"share_pence,omitempty"`
	DeliveryPercent int   `json:"delivery_percent,omitempty"`
	// MatchPence is the match funding it commits.
	MatchPence int64 `json:"match_pence,omitempty"`
}

// Limits that keep one bid sane. The money ceiling is a fund's
// (fund.MaxTotalPence): no share of a bid, nor match funding alongside one,
// comes near it, so it catches a pounds-for-pence typo and keeps totals far
// from overflow.
const (
	MaxPartners = 20
	MaxPence    = 100_000_000_000 // £1bn
	maxNameLen  = 200
	maxRoleLen  = 200
)

// IdentifierLabel names the partner's identifier as people read it. A
// voluntary organisation's is a charity number unless what it gave is a
// Companies House number.
func (p Partner) IdentifierLabel() string {
	switch p.Kind {
	case NHSBody:
		return "ODS code"
	case LocalAuthority:
		return "GSS code"
	case Voluntary:
		if id := normalID(p.Identifier); companyNumber(id) && !charityNumber(id) {
			return "Companies House number"
		}
		return "Charity number"
	case Company:
		return "Companies House number"
	case University:
		return "UKPRN"
	}
	return "Identifier"
}

// Normal is p as it is kept: spaces trimmed, codes in capitals, an NHS
// body's name the registry's. It checks p on its own, on the date the bid is
// judged, with field names relative to the partner; Check adds what needs
// the whole list.
func (p Partner) Normal(reg *organisation.Registry, on organisation.Date) (Partner, fundflow.Invalid) {
	p.Kind = Kind(strings.TrimSpace(string(p.Kind)))
	p.ODSCode = strings.ToUpper(strings.TrimSpace(p.ODSCode))
	p.Name = strings.TrimSpace(p.Name)
	p.Identifier = normalID(p.Identifier)
	p.Role = strings.TrimSpace(p.Role)

	var v fundflow.Invalid
	switch p.Kind {
	case NHSBody:
		if o, ok := nhsBody(&v, reg, p.ODSCode, on); ok {
			p.ODSCode, p.Name = o.Code, o.Name
		}
		if p.Identifier != "" {
			v.Add("identifier", "an NHS body is known by its ODS code alone")
		}
	case LocalAuthority, Voluntary, Company, University:
		if p.ODSCode != "" {
			v.Add("ods_code", "only an NHS body is named by an ODS code")
		}
		v.Text("name", p.Name, maxNameLen, true)
		identifier(&v, p.Kind, p.Identifier)
	default:
		v.Add("kind", "must be one of %s", kindList())
	}
	v.Text("role", p.Role, maxRoleLen, true)
	pence(&v, "share_pence", p.SharePence)
	pence(&v, "match_pence", p.MatchPence)
	if p.DeliveryPercent < 0 || p.DeliveryPercent > 100 {
		v.Add("delivery_percent", "must be between 0 and 100")
	}
	return p, v
}

// nhsBody checks an NHS partner's code against the registry, returning the
// organisation whenever the registry knows the code, valid or not, so the
// partner keeps the name a refusal gives it.
func nhsBody(v *fundflow.Invalid, reg *organisation.Registry, code string, on organisation.Date) (organisation.Org, bool) {
	if code == "" {
		v.Add("ods_code", "is required for an NHS body")
		return organisation.Org{}, false
	}
	o, val := reg.ValidOn(code, on)
	switch val.Status {
	case organisation.Valid:
	case organisation.NotFound:
		v.Add("ods_code", "no organisation %q in the registry", code)
		return organisation.Org{}, false
	case organisation.NotYetValid:
		v.Add("ods_code", "%s (%s) is not valid until %s", o.Name, o.Code, o.ValidFrom)
	default:
		msg := fmt.Sprintf("%s (%s) is not valid on %s", o.Name, o.Code, on)
		if val.Successor != nil {
			msg += fmt.Sprintf("; its successor is %s (%s)", val.Successor.Name, val.Successor.Code)
		}
		v.Add("ods_code", "%s", msg)
	}
	return o, true
}

func pence(v *fundflow.Invalid, field string, p int64) {
	switch {
	case p < 0:
		v.Add(field, "must not be negative")
	case p > MaxPence:
		v.Add(field, "must be at most %s", money.Format(MaxPence))
	}
}

func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// normalID is an identifier as registers print it: capitals, and no spaces,
// which none of the formats has but people type ("SC 012345").
func normalID(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

var (
	gssPattern = regexp.MustCompile(`^[ENSW][0-9]{8}$`)
	// councilEntities are the GSS entity codes of councils: English
	// unitaries (E06), districts (E07), metropolitan districts (E08),
	// London boroughs (E09) and counties (E10), Welsh unitaries (W06),
	// Scottish council areas (S12) and Northern Ireland's districts (N09).
	// A ward or a constituency has a GSS code too, but cannot be a partner.
	councilEntities = []string{"E06", "E07", "E08", "E09", "E10", "W06", "S12", "N09"}

	// England and Wales numbers run from 200000; 1xxxxx is Northern
	// Ireland's, written with or without its NIC prefix. A linked charity
	// adds -1, -2, ... to its parent's number.
	charityPatterns = []*regexp.Regexp{
		regexp.MustCompile(`^(?:[2-9][0-9]{5}|1[0-9]{6})(?:-[1-9][0-9]{0,2})?$`),
		regexp.MustCompile(`^SC[0-9]{6}$`),
		regexp.MustCompile(`^(?:NIC)?1[0-9]{5}$`),
	}

	companyPattern = regexp.MustCompile(`^(?:[0-9]{2}|[A-Z][A-Z0-9])[0-9]{6}$`)
	// companyPrefixes are the two characters Companies House puts before
	// 6 digits for what is not an English or Welsh company (whose number
	// is 8 digits): companies in Scotland and Northern Ireland (R0 before
	// 1922), LLPs, limited partnerships, societies, royal charters,
	// charitable incorporated organisations, assurance and investment
	// companies, EEIGs, European and overseas companies and entities.
	companyPrefixes = []string{
		"SC", "NI", "R0", "OC", "SO", "NC", "LP", "SL", "NL", "IP", "SP", "NP", "RS",
		"RC", "SR", "NR", "CE", "CS", "AC", "SA", "NA", "ZC", "SZ", "NZ", "IC", "SI",
		"GE", "GS", "GN", "SE", "ES", "EN", "FC", "SF", "NF", "FE", "OE", "SG", "NO",
	}

	ukprnPattern = regexp.MustCompile(`^1[0-9]{7}$`)
)

func charityNumber(s string) bool {
	return slices.ContainsFunc(charityPatterns, func(re *regexp.Regexp) bool { return re.MatchString(s) })
}

func companyNumber(s string) bool {
	return companyPattern.MatchString(s) && (s[0] <= '9' || slices.Contains(companyPrefixes, s[:2]))
}

// identifier checks id as the register number of kind k.
func identifier(v *fundflow.Invalid, k Kind, id string) {
	switch {
	case id == "" && (k == LocalAuthority || k == Company):
		v.Add("identifier", "is required for a %s", strings.ToLower(k.Label()))
	case id == "":
	case k == LocalAuthority && !gssPattern.MatchString(id):
		v.Add("identifier", "must be a council's GSS code: a letter and 8 digits, such as E06000023")
	case k == LocalAuthority && !slices.Contains(councilEntities, id[:3]):
		v.Add("identifier", "%s is not a council's GSS code; those start %s or %s", id,
			strings.Join(councilEntities[:len(councilEntities)-1], ", "), councilEntities[len(councilEntities)-1])
	case k == Voluntary && !charityNumber(id) && !companyNumber(id):
		v.Add("identifier", "must be a charity number, such as 1123456, SC012345 or NIC100001, or a Companies House number, such as 01234567")
	case k == Company && companyPattern.MatchString(id) && !companyNumber(id):
		v.Add("identifier", "%s is not a prefix Companies House uses", id[:2])
	case k == Company && !companyNumber(id):
		v.Add("identifier", "must be a Companies House number: 8 digits, such as 01234567, or 2 letters and 6 digits, such as SC123456")
	case k == University && !ukprnPattern.MatchString(id):
		v.Add("identifier", "must be a UKPRN: 8 digits starting with 1, such as 10007786")
	}
}

// Check normalises and checks a bid's partners: each on its own (fields
// partners[i].…), no more than MaxPartners, none named twice or being the
// lead organisation, and the shares within what the bid asks for. A bid
// that has not yet said what it requests (requestedPence 0) has its shares
// checked against it later.
func Check(ps []Partner, leadOrg string, requestedPence int64, reg *organisation.Registry, on organisation.Date) ([]Partner, fundflow.Invalid) {
	var v fundflow.Invalid
	out := make([]Partner, len(ps))
	for i, p := range ps {
		n, pv := p.Normal(reg, on)
		out[i] = n
		for _, fe := range pv {
			v.Add(fmt.Sprintf("partners[%d].%s", i, fe.Field), "%s", fe.Message)
		}
	}
	if len(v) > 0 {
		// Totals of amounts already refused would only repeat them.
		return out, v
	}
	return out, CheckTotals(out, leadOrg, requestedPence)
}

// Totals are the partners' shares of the credit and the match funding they
// commit. Check bounds every amount, so the totals of partners it passed
// cannot overflow.
func Totals(ps []Partner) (sharePence, matchPence int64) {
	for _, p := range ps {
		sharePence += p.SharePence
		matchPence += p.MatchPence
	}
	return sharePence, matchPence
}
