package letters

import (
	"cmp"
	"math/bits"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/templates"
)

// letterTemplates is parsed once at start-up: the templates are embedded, so
// a parse failure is a build defect and should stop the process, not surface
// as a failed decision hours later.
var letterTemplates = template.Must(template.New("letters").Funcs(template.FuncMap{
	"money":       money.Format,
	"words":       money.Words,
	"date":        calendar.LongDate,
	"time":        func(t time.Time) string { return t.In(calendar.London).Format("15:04") },
	"share":       share,
	"fingerprint": fingerprint,
}).ParseFS(templates.Letters, "letters/*.tmpl"))

// view is what templates see. Every string in it has been through escape, so
// no value, however odd, can start a markup line or add a cell.
type view struct {
	Ref      string
	Revision int
	IssuedAt time.Time
	AcceptBy *time.Time
	Fund     Fund
	// Application is what the letter names the application by: its
	// reference, or its id for a letter from before references.
	Application string
	Addressee   Addressee
	AmountPence int64
	Conditions  []string
	Targets     []Target
	Milestones  []Milestone
	Partners    []Partner
	// DrawdownPence is the sum of the milestone drawdowns.
	DrawdownPence int64
	// Feedback is split into paragraphs because escape flattens newlines.
	Feedback      []string
	Scores        []scoreRow
	WeightedScore string
	PassMark      string
	FailedRules   []FailedRule
	Signatory     Signatory
	ContentHash   string
	VerifyURL     string
	Terms         *TermsRef
	Agreement     *agreementView
	Variation     *variationView
}

// agreementView and variationView hold their free text as paragraphs, split
// before escape flattens the blank lines between them.
type agreementView struct {
	Terms       TermsRef
	Sections    []sectionView
	Declaration []string
	SignedName  string
	Capacity    string
	SignedAt    time.Time
	OfferRef    string
}

type sectionView struct {
	Heading    string
	Paragraphs []string
}

type variationView struct {
	ID                string
	Reason            []string
	Changes           []Change
	AmountBeforePence int64
	Decisions         []VariationSigner
	RequestedAt       time.Time
}

type scoreRow struct {
	Criterion string
	Score     string // "3.5 / 5"
	Weight    string // share of the total weight, "25%"
}

// newView builds the template data from a decoded copy of the canonical
// JSON, so escaping it in place cannot touch the caller's slices.
func newView(s Snapshot, contentHash string) view {
	v := view{
		Ref:         s.Ref,
		Revision:    s.Revision,
		IssuedAt:    s.IssuedAt,
		AcceptBy:    s.AcceptBy,
		Fund:        s.Fund,
		Application: cmp.Or(s.Reference, s.ApplicationID),
		Addressee:   s.Addressee,
		AmountPence: s.AmountPence,
		Conditions:  s.Conditions,
		Targets:     s.Targets,
		Milestones:  s.Milestones,
		Partners:    s.Partners,
		Feedback:    paragraphs(s.Feedback),
		FailedRules: s.FailedRules,
		Signatory:   s.Signatory,
		ContentHash: contentHash[:12],
		VerifyURL:   strings.ReplaceAll(s.VerifyURL, "{ref}", url.PathEscape(s.Ref)),
		Terms:       s.Terms,
	}
	if a := s.Agreement; a != nil {
		v.Agreement = &agreementView{
			Terms:       a.Terms,
			Declaration: paragraphs(a.Declaration),
			SignedName:  a.SignedName,
			Capacity:    a.Capacity,
			SignedAt:    a.SignedAt,
			OfferRef:    a.OfferRef,
		}
		for _, sec := range a.Sections {
			v.Agreement.Sections = append(v.Agreement.Sections, sectionView{Heading: sec.Heading, Paragraphs: paragraphs(sec.Text)})
		}
	}
	if vr := s.Variation; vr != nil {
		v.Variation = &variationView{
			ID:                vr.ID,
			Reason:            paragraphs(vr.Reason),
			Changes:           vr.Changes,
			AmountBeforePence: vr.AmountBeforePence,
			Decisions:         vr.Decisions,
			RequestedAt:       vr.RequestedAt,
		}
	}
	for _, m := range s.Milestones {
		v.DrawdownPence += m.DrawdownPence
	}
	var totalWeight float64
	for _, sc := range s.Scores {
		totalWeight += sc.Weight
	}
	for _, sc := range s.Scores {
		row := scoreRow{
			Criterion: sc.Criterion,
			Score:     decimal(sc.Score) + " / " + strconv.Itoa(sc.Max),
		}
		if totalWeight > 0 {
			row.Weight = strconv.FormatFloat(100*sc.Weight/totalWeight, 'f', 0, 64) + "%"
		}
		v.Scores = append(v.Scores, row)
	}
	if s.WeightedScore != 0 {
		v.WeightedScore = strconv.FormatFloat(s.WeightedScore, 'f', 2, 64)
	}
	if s.PassMark != 0 {
		v.PassMark = strconv.FormatFloat(s.PassMark, 'f', 2, 64)
	}
	escapeStrings(reflect.ValueOf(&v).Elem())
	return v
}

func decimal(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// paragraphs splits free text on blank lines and joins the lines within each
// paragraph, since reviewers type hard line breaks that mean nothing on A4.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// share prints part as a percentage of whole, rounded half up to two decimal
// places and trimmed ("10%", "12.5%"). It uses 128-bit integer arithmetic so
// that no float touches money and large pence values cannot overflow.
func share(part, whole int64) string {
	if part < 0 || whole <= 0 {
		return ""
	}
	hi, lo := bits.Mul64(uint64(part), 10000)
	lo, carry := bits.Add64(lo, uint64(whole)/2, 0)
	hi += carry
	if hi >= uint64(whole) {
		return ""
	}
	bp, _ := bits.Div64(hi, lo, uint64(whole))
	s := strconv.FormatUint(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		s += strings.TrimRight("."+strconv.FormatUint(100+frac, 10)[1:], "0")
	}
	return s + "%"
}

// fingerprint sets a hex digest in groups of eight, which a reader can
// compare group by group and which wrap between groups rather than inside
// one.
func fingerprint(hexDigits string) string {
	var groups []string
	for s := hexDigits; s != ""; {
		n := min(8, len(s))
		groups = append(groups, s[:n])
		s = s[n:]
	}
	return strings.Join(groups, " ")
}

func escapeStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(escape(v.String()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			escapeStrings(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			escapeStrings(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			escapeStrings(v.Elem())
		}
	}
}

// escape makes s safe to place anywhere in a markup line: whitespace and
// control characters collapse to single spaces, the cell separator and the
// escape character are backslash-escaped, and runes outside the Basic
// Multilingual Plane become U+FFFD because gofpdf indexes glyph widths by
// rune and would panic on them.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == ' ' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			space = true
			continue
		case r > 0xfffe:
			r = '\uFFFD'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if r == '\\' || r == '|' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
