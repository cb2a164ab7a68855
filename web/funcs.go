package web

import (
	"errors"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/decimal"
	"github.com/fundflow/fundflow/internal/money"
	"github.com/fundflow/fundflow/web/apiclient"
)

var funcs = template.FuncMap{
	"money":    money.Short,
	"pounds":   pounds,
	"date":     func(t time.Time) string { return fmtTime(t, "2 January 2006") },
	"datetime": func(t time.Time) string { return fmtTime(t, "2 January 2006 at 3:04pm") },
	"isodate":  func(t time.Time) string { return fmtTime(t, "2006-01-02") },
	"tag":      statusTag,
	"humanize": humanize,
	"score":    score,
	"contains": func(list []string, s string) bool { return slices.Contains(list, s) },
	"dict":     dict,
	"add":      func(a, b int) int { return a + b },
	"navFor":   navFor,
	"anchor":   anchor,
	"decided":  decided,
	"figure":   figure,
	"outcomeGroups": func(o *apiclient.Outcomes) []apiclient.OutcomeGroup {
		return append(append([]apiclient.OutcomeGroup{o.Fund}, o.Routes...), o.Nations...)
	},
	"outcomeMeans": outcomeMeans,
	"pence":        pence,
	"list":         func(xs ...string) []string { return xs },
	// quoted names an application as people read it: reference, or id.
	"quoted": application.Quoted,
}

type outcomeMeanRow struct {
	M     apiclient.OutcomeMeasureFigures
	Where string
}

// outcomeMeans lists each mean measure for the fund and then each route.
func outcomeMeans(o *apiclient.Outcomes) []outcomeMeanRow {
	var out []outcomeMeanRow
	for i, m := range o.Fund.Measures {
		if m.Kind != "mean" {
			continue
		}
		out = append(out, outcomeMeanRow{m, "All routes"})
		for _, g := range o.Routes {
			if i < len(g.Measures) {
				out = append(out, outcomeMeanRow{g.Measures[i], g.Title})
			}
		}
	}
	return out
}

// figure shows an outcome figure from the API: as given ("<8" included),
// or a dash when there is none.
func figure(s *string) string {
	if s == nil {
		return "–"
	}
	return *s
}

// pence shows an outcome figure in pence as money; a suppressed or absent
// one as figure does.
func pence(s *string) string {
	if s == nil {
		return figure(s)
	}
	p, err := strconv.ParseInt(*s, 10, 64)
	if err != nil {
		return *s
	}
	return money.Short(p)
}

type navItem struct{ Href, Text string }

// anchor links to an element by id. The ids are the API's field names,
// such as scores[1].score, which a URL-escaped href would turn into
// scores%5b1%5d.score: browsers cope, but the design system's error summary
// looks the id up as written. Starting with # it can never be a script URL.
func anchor(id string) template.URL { return template.URL("#" + id) }

// navFor is the header menu for a role: its own work first.
func navFor(role string) []navItem {
	switch role {
	case "reviewer":
		return []navItem{{"/reviews", "Review queue"}, {"/applications", "Applications"}}
	case "panel_chair":
		return []navItem{{"/panel", "Panel"}, {"/applications", "Applications"}}
	case "programme_manager":
		return []navItem{{"/programme", "Deployments"}, {"/applications", "Applications"}}
	case "admin":
		return []navItem{{"/funds", "Funds"}, {"/admin/users", "People"}, {"/programme", "Deployments"}, {"/applications", "Applications"}}
	}
	return []navItem{{"/applications", "Your applications"}}
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	// Every date a user reads is on the fund's wall clock, whatever the
	// server's.
	return t.In(calendar.London).Format(layout)
}

// pounds is pence as an input's value, 80000 or 1234.56, and none for
// nothing: money.Plain, which parsePence reads back.
func pounds(pence int64) string {
	if pence == 0 {
		return ""
	}
	return money.Plain(pence)
}

// groupThousands shows a whole number as a person reads it: 1,375,000.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parsePence reads an amount typed in pounds by money.Parse's rules, the
// API's and the command line's, so "1,00" is refused rather than taken for
// £100. The errors are the sentences a field's message ends with.
func parsePence(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, errors.New("enter an amount")
	}
	p, err := money.Parse(s)
	switch {
	case errors.Is(err, money.ErrDecimals):
		return 0, errors.New("enter an amount in pounds, with at most 2 decimal places")
	case err != nil || p < 0:
		return 0, errors.New("enter an amount in pounds, like 80000 or 80000.50")
	}
	return p, nil
}

// wholeNumber reads a count typed in a form: digits, with thousands
// separators only where they belong (decimal.Ungroup), so "1,00" is
// refused rather than taken for 100.
func wholeNumber(s string) (int64, error) {
	bare, ok := decimal.Ungroup(strings.TrimSpace(s))
	if !ok {
		return 0, errors.New("misplaced thousands separator")
	}
	return strconv.ParseInt(bare, 10, 64)
}

// typedDecimal is a decimal figure typed in a form with its thousands
// separators taken out where they belong (decimal.Ungroup); with one
// misplaced it is left as typed, for decimal.Parse, which takes no commas,
// to refuse.
func typedDecimal(s string) string {
	s = strings.TrimSpace(s)
	if bare, ok := decimal.Ungroup(s); ok {
		return bare
	}
	return s
}

// score shows a weighted score held in hundredths of a scale point.
func score(hundredths int) string {
	return strconv.Itoa(hundredths/100) + "." + strconv.Itoa(hundredths%100/10) + strconv.Itoa(hundredths%10)
}

// humanize turns an API identifier (in_deployment) into words.
func humanize(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// statusTag picks the design system's tag colour for a status or RAG
// rating, so the same state looks the same on every page.
func statusTag(status string) string {
	switch status {
	case "draft", "withdrawn", "pending", "not_requested", "expired", "removed", "upcoming", "cancelled":
		return "nhsuk-tag--grey"
	case "submitted", "eligibility", "assessment", "panel", "invited":
		return "nhsuk-tag--blue"
	case "information_requested", "waitlisted", "amber", "returned", "awaiting_sign_off", "awaiting", "sent_back":
		return "nhsuk-tag--yellow"
	case "offered", "accepted", "in_deployment":
		return "nhsuk-tag--aqua-green"
	case "completed", "verified", "green", "open", "signed_off", "active", "approved":
		return "nhsuk-tag--green"
	case "ineligible", "rejected", "declined", "offer_expired", "terminated", "red", "overdue", "closed", "too_late", "refused":
		return "nhsuk-tag--red"
	}
	return "nhsuk-tag--white"
}

// dict passes several values to a partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict needs key and value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
