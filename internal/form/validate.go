package form

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/email"
)

// Answers is an answer set: a JSON object keyed by question id, as the API
// receives and shows it. A missing or null member is not answered.
type Answers map[string]json.RawMessage

// Mode says how complete an answer set must be.
type Mode int

const (
	// Draft checks the shape of what is there and asks for nothing
	// missing, so an applicant can save as they go.
	Draft Mode = iota
	// Submission adds completeness: every required question that is shown
	// is answered, and every declaration is made.
	Submission
)

// Env is what validation needs to know beyond the form: the fund's choices
// and the application's documents. Its zero value checks shape only.
type Env struct {
	// Routes are the fund's deployment route ids, the options of a question
	// with OptionsFrom OptionsDeploymentRoutes.
	Routes []string
	// Targets validates an OutcomeTargets answer at field. The caller owns
	// the targets' shape (the fund's measures); nil accepts any answer.
	Targets func(v *fundflow.Invalid, field string, answer json.RawMessage, answers Answers, mode Mode)
	// Organisation reports whether an ODS code is in the registry; nil
	// when no registry is at hand, which checks the code's format only.
	Organisation func(code string) bool
	// DocumentKinds maps each of the application's document ids to its
	// kind ("" for none); nil skips the check, as when creating a draft.
	DocumentKinds map[string]string
	// Also adds the caller's own rules for an answered question whose
	// answer passed the form's: the fund's maximum award, say.
	Also func(v *fundflow.Invalid, field string, answer json.RawMessage)
}

// Default limits of a question that sets none.
const (
	DefaultTextChars     = 500
	DefaultLongTextChars = 10_000
)

// Validate checks answers against the form and reports every problem at
// once, in form order, against the answer's path (lead_contact.email,
// partners[1].name). Answers to questions the form does not have are
// errors, never silently dropped; answers to hidden conditional questions
// are ignored.
func (f Form) Validate(answers Answers, env Env, mode Mode) fundflow.Invalid {
	var v fundflow.Invalid
	c := checker{v: &v, env: env, mode: mode, root: answers}
	var all []Question
	for _, s := range f.Sections {
		all = append(all, s.Questions...)
	}
	c.object("", all, answers)
	return v
}

type checker struct {
	v    *fundflow.Invalid
	env  Env
	mode Mode
	root Answers
}

func join(prefix, id string) string {
	if prefix == "" {
		return id
	}
	return prefix + "." + id
}

func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// object checks one object of questions: the whole form, a group, or one
// item of a repeating group. Its unknown members are reported in sorted
// order, after the questions, so the errors come out the same every time.
func (c checker) object(prefix string, qs []Question, answers Answers) {
	for _, q := range qs {
		if !shown(q, answers) {
			continue
		}
		c.question(join(prefix, q.ID), q, answers[q.ID])
	}
	var unknown []string
	for id := range answers {
		if !slices.ContainsFunc(qs, func(q Question) bool { return q.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		if id == "" {
			id = `""` // the field must name something
		}
		c.v.Add(join(prefix, id), "is not a question of this form")
	}
}

// shown reports whether q's condition holds among its siblings' answers.
func shown(q Question, answers Answers) bool {
	if q.ShowIf == nil {
		return true
	}
	return q.ShowIf.Holds(answers[q.ShowIf.Question])
}

// Holds reports whether the condition holds for the answer it refers to.
func (cond Condition) Holds(answer json.RawMessage) bool {
	var b bool
	if json.Unmarshal(answer, &b) == nil && !isNull(answer) {
		yes := "no"
		if b {
			yes = "yes"
		}
		return slices.Contains(cond.Equals, yes)
	}
	var s string
	if json.Unmarshal(answer, &s) == nil && !isNull(answer) {
		return slices.Contains(cond.Equals, s)
	}
	var xs []string
	if json.Unmarshal(answer, &xs) == nil {
		return slices.ContainsFunc(xs, func(x string) bool { return slices.Contains(cond.Equals, x) })
	}
	return false
}

func isNull(b json.RawMessage) bool {
	return len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null"
}

// Answered reports whether an answer counts as given: present, not null,
// and not an empty string, list or object.
func Answered(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	switch {
	case isNull(t):
		return false
	case t[0] == '"':
		// Most answers are plain text: a first character that is neither
		// space nor an escape decides without decoding.
		if len(t) > 2 && t[1] != '\\' && !unicode.IsSpace(rune(t[1])) {
			return true
		}
		var s string
		return json.Unmarshal(t, &s) != nil || strings.TrimSpace(s) != ""
	case t[0] == '[':
		return len(bytes.TrimSpace(t[1:])) > 0 && bytes.TrimSpace(t[1:])[0] != ']'
	case t[0] == '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(t, &m) != nil {
			return true
		}
		for _, x := range m {
			if Answered(x) {
				return true
			}
		}
		return false
	}
	return true
}

func (c checker) question(field string, q Question, a json.RawMessage) {
	if !Answered(a) {
		c.missing(field, q, a)
		return
	}
	before := len(*c.v)
	defer func() {
		if c.env.Also != nil && len(*c.v) == before {
			c.env.Also(c.v, field, a)
		}
	}()
	switch q.Type {
	case Text, LongText:
		c.text(field, q, a)
	case Integer, Money:
		c.number(field, q, a)
	case Date:
		var s string
		if json.Unmarshal(a, &s) != nil {
			c.v.Add(field, "must be a date in the form YYYY-MM-DD")
		} else if _, err := time.Parse(time.DateOnly, s); err != nil {
			c.v.Add(field, "must be a real date in the form YYYY-MM-DD, such as 2026-04-15")
		}
	case Email:
		c.str(field, a, func(s string) {
			switch {
			case utf8.RuneCountInString(s) > email.MaxLen:
				c.v.Add(field, "must be at most %d characters", email.MaxLen)
			case !email.Valid(s):
				c.v.Add(field, "must be an email address such as name@nhs.net")
			}
		})
	case Phone:
		c.str(field, a, func(s string) {
			if !ValidUKPhone(s) {
				c.v.Add(field, "must be a UK telephone number, such as 01632 960 001 or +44 7700 900 123")
			}
		})
	case YesNo, Declaration:
		var b bool
		switch {
		case json.Unmarshal(a, &b) != nil:
			c.v.Add(field, "must be true or false")
		case q.Type == Declaration && q.Required && !b && c.mode == Submission:
			c.v.Add(field, "must be true: the declaration must be made before submitting")
		}
	case SingleChoice:
		c.str(field, a, func(s string) {
			if opts := c.options(q); !slices.Contains(opts, s) {
				c.v.Add(field, "%s", c.notAnOption(q, opts))
			}
		})
	case MultipleChoice:
		c.choices(field, q, a)
	case Organisation:
		c.str(field, a, func(s string) {
			switch {
			case !odsPattern.MatchString(s):
				c.v.Add(field, "must be an ODS code of 3 to 6 capital letters and digits, such as QHL")
			case c.env.Organisation != nil && !c.env.Organisation(s):
				c.v.Add(field, "is not an organisation in the registry")
			}
		})
	case Group:
		var m Answers
		if json.Unmarshal(a, &m) != nil || m == nil {
			c.v.Add(field, "must be an object of answers")
			return
		}
		c.object(field, q.Questions, m)
	case RepeatingGroup:
		c.repeating(field, q, a)
	case Document:
		c.documents(field, q, a)
	case OutcomeTargets:
		if c.env.Targets != nil {
			c.env.Targets(c.v, field, a, c.root, c.mode)
		}
	}
}

// missing handles an unanswered question: nothing for a draft, and for a
// submission the required question, or a required group's required
// members, by their own paths so each input can be pointed at.
func (c checker) missing(field string, q Question, a json.RawMessage) {
	if q.Type == OutcomeTargets && c.env.Targets != nil {
		// The fund's measures decide what is required, even of no answer.
		c.env.Targets(c.v, field, a, c.root, c.mode)
		return
	}
	if c.mode != Submission || !q.Required {
		return
	}
	switch q.Type {
	case Group:
		c.object(field, q.Questions, Answers{})
	case MultipleChoice:
		c.v.Add(field, "choose at least %s", c.atLeast(q))
	case RepeatingGroup:
		c.v.Add(field, "must have at least %d %s", max(q.MinItems, 1), plural(max(q.MinItems, 1), "entry", "entries"))
	case Declaration:
		c.v.Add(field, "must be true: the declaration must be made before submitting")
	default:
		c.v.Add(field, "is required")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (c checker) atLeast(q Question) string {
	n := max(q.MinItems, 1)
	if q.OptionsFrom == OptionsDeploymentRoutes {
		return strconv.Itoa(n) + " " + plural(n, "deployment route", "deployment routes")
	}
	if n == 1 {
		return "one option"
	}
	return strconv.Itoa(n) + " options"
}

func (c checker) str(field string, a json.RawMessage, then func(string)) {
	var s string
	if json.Unmarshal(a, &s) != nil {
		c.v.Add(field, "must be a string")
		return
	}
	then(s)
}

func (c checker) text(field string, q Question, a json.RawMessage) {
	c.str(field, a, func(s string) {
		limit := q.charLimit()
		if n := utf8.RuneCountInString(s); n > limit {
			c.v.Add(field, "must be at most %d characters, not %d", limit, n)
			return
		}
		if q.Type == LongText && q.MaxWords > 0 {
			if n := len(strings.Fields(s)); n > q.MaxWords {
				c.v.Add(field, "must be at most %d words, not %d", q.MaxWords, n)
			}
		}
	})
}

// charLimit is MaxChars, or the type's default.
func (q Question) charLimit() int {
	switch {
	case q.MaxChars > 0:
		return q.MaxChars
	case q.Type == LongText:
		return DefaultLongTextChars
	}
	return DefaultTextChars
}

func (c checker) number(field string, q Question, a json.RawMessage) {
	var n int64
	if json.Unmarshal(a, &n) != nil {
		if q.Type == Money {
			c.v.Add(field, "must be a whole number of pence")
		} else {
			c.v.Add(field, "must be a whole number")
		}
		return
	}
	switch {
	case q.Min != nil && n < *q.Min && *q.Min == 0:
		c.v.Add(field, "must not be negative")
	case q.Min != nil && n < *q.Min:
		c.v.Add(field, "must be at least %d", *q.Min)
	case q.Max != nil && n > *q.Max:
		c.v.Add(field, "must be at most %d", *q.Max)
	}
}

func (c checker) options(q Question) []string {
	if q.OptionsFrom == OptionsDeploymentRoutes {
		return c.env.Routes
	}
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		out[i] = o.Value
	}
	return out
}

func (c checker) notAnOption(q Question, opts []string) string {
	if q.OptionsFrom == OptionsDeploymentRoutes {
		return "is not a deployment route of this fund; choose from " + strings.Join(opts, ", ")
	}
	return "must be one of " + strings.Join(opts, ", ")
}

// choices flags unknown entries and every repeat after the first, at the
// entry's index, so the form can point at the exact item.
func (c checker) choices(field string, q Question, a json.RawMessage) {
	var xs []string
	if json.Unmarshal(a, &xs) != nil {
		c.v.Add(field, "must be a list of option values")
		return
	}
	opts := c.options(q)
	for i, x := range xs {
		if j := slices.Index(xs, x); j < i {
			c.v.Add(index(field, i), "repeats %s[%d]", field, j)
		} else if !slices.Contains(opts, x) {
			c.v.Add(index(field, i), "%s", c.notAnOption(q, opts))
		}
	}
	switch {
	case q.MaxItems > 0 && len(xs) > q.MaxItems:
		c.v.Add(field, "choose at most %d", q.MaxItems)
	case c.mode == Submission && q.MinItems > 0 && len(xs) < q.MinItems:
		c.v.Add(field, "choose at least %s", c.atLeast(q))
	}
}

func (c checker) repeating(field string, q Question, a json.RawMessage) {
	var items []Answers
	if json.Unmarshal(a, &items) != nil {
		c.v.Add(field, "must be a list of objects of answers")
		return
	}
	switch {
	case q.MaxItems > 0 && len(items) > q.MaxItems:
		c.v.Add(field, "must have at most %d %s", q.MaxItems, plural(q.MaxItems, "entry", "entries"))
	case c.mode == Submission && len(items) < q.MinItems:
		c.v.Add(field, "must have at least %d %s", q.MinItems, plural(q.MinItems, "entry", "entries"))
	}
	for i, item := range items {
		at := index(field, i)
		if item == nil {
			c.v.Add(at, "must be an object of answers")
			continue
		}
		// An item is there to be filled in: its required members are
		// required at submission whatever the group's own Required.
		c.object(at, q.Questions, item)
	}
}

func (c checker) documents(field string, q Question, a json.RawMessage) {
	var ids []string
	if json.Unmarshal(a, &ids) != nil {
		c.v.Add(field, "must be a list of document ids")
		return
	}
	if limit := max(q.MaxDocuments, 1); len(ids) > limit {
		c.v.Add(field, "must have at most %d %s", limit, plural(limit, "document", "documents"))
	}
	for i, id := range ids {
		at := index(field, i)
		if j := slices.Index(ids, id); j < i {
			c.v.Add(at, "repeats %s[%d]", field, j)
			continue
		}
		if c.env.DocumentKinds == nil {
			continue
		}
		kind, ok := c.env.DocumentKinds[id]
		switch {
		case !ok:
			c.v.Add(at, "is not a document of this application")
		case q.DocumentKind != "" && kind != q.DocumentKind:
			c.v.Add(at, "must be a document of kind %s", q.DocumentKind)
		}
	}
}

// ODS codes of the organisations that apply are 3 to 6 capital letters and
// digits (QHL, 7A1, D7T5G).
var odsPattern = regexp.MustCompile(`^[A-Z0-9]{3,6}$`)

// ValidUKPhone accepts a UK number as people write it: national (01632
// 960001) or international (+44 1632 960001, +44 (0)1632 960001), with
// spaces, hyphens and brackets anywhere. Ten or eleven digits in national
// form, starting 0 and not 00.
func ValidUKPhone(s string) bool {
	if utf8.RuneCountInString(s) > 30 {
		return false
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+440"):
		s = s[3:]
	case strings.HasPrefix(s, "+44"):
		s = "0" + s[3:]
	}
	if len(s) < 10 || len(s) > 11 || s[0] != '0' || s[1] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Shown is answers less those to questions their conditions hide, at any
// depth: what the applicant was last shown, which is what a submission
// keeps. Answers to questions the form does not have are kept, for
// Validate to refuse.
func (f Form) Shown(answers Answers) Answers {
	var all []Question
	for _, s := range f.Sections {
		all = append(all, s.Questions...)
	}
	return shownIn(all, answers)
}

func shownIn(qs []Question, answers Answers) Answers {
	if answers == nil {
		return nil
	}
	out := make(Answers, len(answers))
	for id, a := range answers {
		out[id] = a
	}
	for _, q := range qs {
		a, ok := answers[q.ID]
		switch {
		case !ok:
		case !shown(q, answers):
			delete(out, q.ID)
		case q.Type == Group:
			var m Answers
			if json.Unmarshal(a, &m) == nil && m != nil {
				out[q.ID] = marshal(shownIn(q.Questions, m))
			}
		case q.Type == RepeatingGroup:
			var items []Answers
			if json.Unmarshal(a, &items) == nil {
				for i := range items {
					items[i] = shownIn(q.Questions, items[i])
				}
				out[q.ID] = marshal(items)
			}
		}
	}
	return out
}

func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // unreachable: answers are JSON already
	}
	return b
}
