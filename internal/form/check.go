package form

import (
	"regexp"
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/document"
)

// Limits that keep a form sane: big enough for any real fund's form, small
// enough that a form cannot be a denial of service for the pages and the
// validator.
const (
	MaxSections        = 30
	MaxQuestions       = 200 // in the whole form, members included
	MaxOptions         = 50
	MaxCharsLimit      = 100_000
	MaxItemsLimit      = 100
	MaxDocumentsLimit  = 20
	maxTitleChars      = 200
	maxHelpChars       = 2000
	maxNestedDepth     = 2 // a group inside a repeating group, no deeper
	maxConditionEquals = 20
)

var (
	// Question ids are JSON keys and input names; the seeded form's use
	// underscores.
	idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

var types = []Type{Text, LongText, Integer, Money, Date, Email, Phone, YesNo, Declaration,
	SingleChoice, MultipleChoice, Organisation, Group, RepeatingGroup, Document, OutcomeTargets}

// Known reports whether t is a question type the engine has.
func (t Type) Known() bool { return slices.Contains(types, t) }

// wellKnown are the questions every form has, with the types the engine
// reads them as; optional ones are checked only when present.
var wellKnown = []struct {
	id       string
	typ      Type
	required bool
	members  []string // a group's members, each text or email
}{
	{QLeadContact, Group, true, []string{"name", "email", "role"}},
	{QSRO, Group, true, []string{"name", "role"}},
	{QSRODeclaration, Declaration, true, nil},
	{QRequestedPence, Money, true, nil},
	{QDeploymentRoutes, MultipleChoice, true, nil},
	{QPopulationCovered, Integer, false, nil},
	{QPlannedReach, Integer, false, nil},
	{QTargets, OutcomeTargets, false, nil},
}

// Check reports every problem with the form definition at once, against
// the JSON path of the part at fault (sections[1].questions[0].id).
// Version is the engine's to set, so it is not checked here.
func (f Form) Check() error { return f.Problems().Err("the application form is invalid") }

// Problems is Check's list of problems.
func (f Form) Problems() fundflow.Invalid {
	var v fundflow.Invalid
	switch n := len(f.Sections); {
	case n == 0:
		v.Add("sections", "must have at least one section")
	case n > MaxSections:
		v.Add("sections", "must have at most %d sections", MaxSections)
	}
	c := formChecker{v: &v, seen: map[string]Question{}}
	for i, s := range f.Sections {
		p := index("sections", i)
		if !idPattern.MatchString(s.ID) {
			v.Add(p+".id", "must be 1 to 64 lowercase letters, digits or '_', starting with a letter")
		} else if slices.IndexFunc(f.Sections[:i], func(o Section) bool { return o.ID == s.ID }) >= 0 {
			v.Add(p+".id", "repeats another section's id %s", s.ID)
		}
		v.Text(p+".title", s.Title, maxTitleChars, true)
		v.Text(p+".description", s.Description, maxHelpChars, false)
		if len(s.Questions) == 0 {
			v.Add(p+".questions", "must have at least one question")
		}
		c.questions(p+".questions", s.Questions, "", 0)
	}
	if c.count > MaxQuestions {
		v.Add("sections", "must have at most %d questions in all, not %d", MaxQuestions, c.count)
	}
	for _, w := range wellKnown {
		q, at, ok := f.top(w.id)
		switch {
		case !ok && w.required:
			v.Add("sections", "must ask %s, a %s question every fund's form has", w.id, w.typ)
		case !ok:
		case q.Type != w.typ:
			v.Add(at+".type", "must be %s: the engine reads %s as one", w.typ, w.id)
		case w.required && (!q.Required || q.ShowIf != nil):
			v.Add(at+".required", "must be true and unconditional: every application needs %s", w.id)
		case w.id == QDeploymentRoutes && q.OptionsFrom != OptionsDeploymentRoutes:
			v.Add(at+".options_from", "must be %s", OptionsDeploymentRoutes)
		}
		for _, m := range w.members {
			if ok && q.Type == Group && !slices.ContainsFunc(q.Questions, func(x Question) bool {
				return x.ID == m && x.Required && x.ShowIf == nil && (x.Type == Text || x.Type == Email)
			}) {
				v.Add(at+".questions", "must have a required, unconditional %s", m)
			}
		}
	}
	return v
}

// top finds a question of the whole form by id, with its path.
func (f Form) top(id string) (Question, string, bool) {
	for i, s := range f.Sections {
		for j, q := range s.Questions {
			if q.ID == id {
				return q, index(index("sections", i)+".questions", j), true
			}
		}
	}
	return Question{}, "", false
}

// Question returns the question at a top-level id.
func (f Form) Question(id string) (Question, bool) {
	q, _, ok := f.top(id)
	return q, ok
}

type formChecker struct {
	v *fundflow.Invalid
	// seen maps each id of the answer object being checked to its
	// question, for the conditions that follow it.
	seen  map[string]Question
	count int
}

// questions checks one answer object's questions: ids are unique within
// it (the whole form is one object, so across sections too), and a
// condition refers to an earlier sibling.
func (c *formChecker) questions(p string, qs []Question, scope string, depth int) {
	for j, q := range qs {
		c.count++
		at := index(p, j)
		key := scope + q.ID
		switch {
		case !idPattern.MatchString(q.ID):
			c.v.Add(at+".id", "must be 1 to 64 lowercase letters, digits or '_', starting with a letter")
		case c.seen[key].ID != "":
			c.v.Add(at+".id", "repeats the question id %s", q.ID)
		}
		if !q.Type.Known() {
			c.v.Add(at+".type", "must be one of %s", typeList())
		}
		c.v.Text(at+".label", q.Label, maxTitleChars, true)
		c.v.Text(at+".summary", q.Summary, maxTitleChars, false)
		c.v.Text(at+".hint", q.Hint, maxHelpChars, false)
		c.limits(at, q, depth)
		if q.ShowIf != nil {
			c.condition(at+".show_if", *q.ShowIf, scope)
		}
		if q.Type == Group || q.Type == RepeatingGroup {
			if q.Type == RepeatingGroup && depth > 0 || depth >= maxNestedDepth {
				c.v.Add(at+".type", "cannot nest this deep: a group may sit inside a repeating group, no deeper")
			}
			if len(q.Questions) == 0 {
				c.v.Add(at+".questions", "must have at least one question")
			}
			c.questions(at+".questions", q.Questions, key+".", depth+1)
		} else if len(q.Questions) > 0 {
			c.v.Add(at+".questions", "is only for groups and repeating groups")
		}
		if c.seen[key].ID == "" {
			c.seen[key] = q
		}
	}
}

func typeList() string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (c *formChecker) limits(at string, q Question, depth int) {
	text := q.Type == Text || q.Type == LongText
	if q.MaxChars < 0 || q.MaxChars > MaxCharsLimit || q.MaxChars > 0 && !text {
		c.v.Add(at+".max_chars", "is for text questions, from 1 to %d", MaxCharsLimit)
	}
	if q.MaxWords < 0 || q.MaxWords > MaxCharsLimit/2 || q.MaxWords > 0 && q.Type != LongText {
		c.v.Add(at+".max_words", "is for long text questions, from 1 to %d", MaxCharsLimit/2)
	}
	number := q.Type == Integer || q.Type == Money
	if (q.Min != nil || q.Max != nil) && !number {
		c.v.Add(at+".min", "is for integer and money questions")
	} else if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		c.v.Add(at+".max", "must not be less than min")
	}
	choice := q.Type == SingleChoice || q.Type == MultipleChoice
	switch {
	case !choice && (len(q.Options) > 0 || q.OptionsFrom != ""):
		c.v.Add(at+".options", "is for choice questions")
	case !choice:
	case q.OptionsFrom != "" && q.OptionsFrom != OptionsDeploymentRoutes:
		c.v.Add(at+".options_from", "must be %s or left out", OptionsDeploymentRoutes)
	case q.OptionsFrom != "" && len(q.Options) > 0:
		c.v.Add(at+".options", "must be left out when options_from is set")
	case q.OptionsFrom == "" && (len(q.Options) < 2 || len(q.Options) > MaxOptions):
		c.v.Add(at+".options", "must have 2 to %d options", MaxOptions)
	}
	for k, o := range q.Options {
		op := index(at+".options", k)
		if !idPattern.MatchString(o.Value) {
			c.v.Add(op+".value", "must be 1 to 64 lowercase letters, digits or '_', starting with a letter")
		} else if slices.IndexFunc(q.Options[:k], func(x Option) bool { return x.Value == o.Value }) >= 0 {
			c.v.Add(op+".value", "repeats another option's value %s", o.Value)
		}
		c.v.Text(op+".label", o.Label, maxTitleChars, true)
		c.v.Text(op+".hint", o.Hint, maxHelpChars, false)
	}
	items := q.Type == RepeatingGroup || q.Type == MultipleChoice
	switch {
	case (q.MinItems != 0 || q.MaxItems != 0) && !items:
		c.v.Add(at+".min_items", "is for repeating groups and multiple choice questions")
	case q.MinItems < 0 || q.MaxItems < 0 || q.MaxItems > MaxItemsLimit:
		c.v.Add(at+".max_items", "must be between 0 and %d", MaxItemsLimit)
	case q.MaxItems > 0 && q.MinItems > q.MaxItems:
		c.v.Add(at+".max_items", "must not be less than min_items")
	case q.Type == RepeatingGroup && q.MaxItems == 0:
		c.v.Add(at+".max_items", "is required for a repeating group, at most %d", MaxItemsLimit)
	}
	if q.Type != Document && (q.DocumentKind != "" || q.MaxDocuments != 0) {
		c.v.Add(at+".document_kind", "is for document questions")
	}
	if q.DocumentKind != "" && !document.ValidKind(q.DocumentKind) {
		c.v.Add(at+".document_kind", document.KindRule)
	}
	if q.MaxDocuments < 0 || q.MaxDocuments > MaxDocumentsLimit {
		c.v.Add(at+".max_documents", "must be between 0 and %d", MaxDocumentsLimit)
	}
	if q.Type == OutcomeTargets && (depth > 0 || q.ID != QTargets) {
		c.v.Add(at+".type", "is only for the top-level question %s", QTargets)
	}
}

// condition must name an earlier question of the same answer object whose
// answer can be compared with strings.
func (c *formChecker) condition(at string, cond Condition, scope string) {
	on := c.seen[scope+cond.Question]
	t := on.Type
	switch t {
	case "":
		c.v.Add(at+".question", "must be the id of an earlier question in the same section or group")
	case YesNo, SingleChoice, MultipleChoice:
	default:
		c.v.Add(at+".question", "must be a yes_no, single_choice or multiple_choice question, not %s", t)
	}
	if n := len(cond.Equals); n == 0 || n > maxConditionEquals {
		c.v.Add(at+".equals", "must have 1 to %d values", maxConditionEquals)
	}
	for k, e := range cond.Equals {
		switch {
		case t == YesNo && e != "yes" && e != "no":
			c.v.Add(index(at+".equals", k), "must be yes or no")
		case len(on.Options) > 0 && !slices.ContainsFunc(on.Options, func(o Option) bool { return o.Value == e }):
			c.v.Add(index(at+".equals", k), "is not an option of %s", on.ID)
		}
	}
}
