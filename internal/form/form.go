// Package form is an application form as fund data: the sections and
// questions a fund asks, and the rules an answer must meet. A fund's form
// is versioned, and an application keeps the version it was started on, so
// publishing a new version never invalidates a draft in progress.
//
// An answer set is a JSON object keyed by question id. A group's answer is
// an object keyed by its questions' ids, a repeating group's an array of
// such objects; errors name the answer by the same path the API uses
// elsewhere (lead_contact.email, partners[1].name).
//
// It imports the root package and the standard library only.
package form

// Form is one version of a fund's application form.
type Form struct {
	// Version counts from 1; a published version never changes.
	Version  int       `json:"version"`
	Sections []Section `json:"sections"`
}

// Section is one task of the applicant's task list.
type Section struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Questions   []Question `json:"questions"`
}

// Type is the kind of answer a question takes.
type Type string

const (
	Text     Type = "text"      // one line, at most MaxChars
	LongText Type = "long_text" // paragraphs, at most MaxChars and MaxWords
	Integer  Type = "integer"   // a whole number, Min to Max
	Money    Type = "money"     // int64 pence, Min to Max pence
	Date     Type = "date"      // a calendar date, YYYY-MM-DD
	Email    Type = "email"
	Phone    Type = "phone" // a UK telephone number
	YesNo    Type = "yes_no"
	// Declaration is a yes/no that a submission needs to be yes, such as
	// the senior responsible officer's sign-off.
	Declaration    Type = "declaration"
	SingleChoice   Type = "single_choice"
	MultipleChoice Type = "multiple_choice"
	// Organisation is an ODS code from the organisation registry.
	Organisation Type = "organisation"
	// Group is one object of Questions, such as a named contact.
	Group Type = "group"
	// RepeatingGroup is MinItems to MaxItems objects of Questions, such as
	// named partners.
	RepeatingGroup Type = "repeating_group"
	// Document is the ids of documents uploaded to the application, of
	// DocumentKind when one is set.
	Document Type = "document"
	// OutcomeTargets is a baseline and target for each of the fund's
	// outcome measures on each deployment route the applicant chose.
	OutcomeTargets Type = "outcome_targets"
)

// Question is one thing the form asks.
type Question struct {
	ID    string `json:"id"`
	Type  Type   `json:"type"`
	Label string `json:"label"`
	// Summary names the answer where it is read back: check your answers,
	// the reviewer's workspace and error messages. Empty means Label.
	Summary  string `json:"summary,omitempty"`
	Hint     string `json:"hint,omitempty"`
	Required bool   `json:"required,omitempty"`

	MaxChars int `json:"max_chars,omitempty"`
	MaxWords int `json:"max_words,omitempty"`
	// Min and Max bound an Integer or a Money answer (in pence), when set.
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`

	Options []Option `json:"options,omitempty"`
	// OptionsFrom takes a choice question's options from the fund instead
	// of Options: OptionsDeploymentRoutes.
	OptionsFrom string `json:"options_from,omitempty"`

	// Questions are a Group's or RepeatingGroup's members.
	Questions []Question `json:"questions,omitempty"`
	MinItems  int        `json:"min_items,omitempty"`
	MaxItems  int        `json:"max_items,omitempty"`

	// DocumentKind is the kind an uploaded document must have.
	DocumentKind string `json:"document_kind,omitempty"`
	// MaxDocuments bounds a Document answer; 0 means one.
	MaxDocuments int `json:"max_documents,omitempty"`

	// ShowIf makes the question conditional: it is shown, and Required
	// applies, only when the earlier answer matches; otherwise its answer
	// is ignored and cleared on submission.
	ShowIf *Condition `json:"show_if,omitempty"`
}

// Option is one choice of a SingleChoice or MultipleChoice question.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Hint  string `json:"hint,omitempty"`
}

// OptionsDeploymentRoutes offers the fund's deployment routes.
const OptionsDeploymentRoutes = "deployment_routes"

// Condition matches an earlier answer. Question is the answer's path
// (a sibling's id inside a group); the condition holds when the answer is
// one of Equals, or, for a MultipleChoice answer, when any chosen value is.
// A YesNo answer matches "yes" or "no".
type Condition struct {
	Question string   `json:"question"`
	Equals   []string `json:"equals"`
}

// Well-known question ids: every fund's form has these, with these types,
// because eligibility, assessment, the panel, letters and notifications
// read them whatever else the fund asks.
const (
	QLeadContact      = "lead_contact"      // Group of name, email, role
	QSRO              = "sro"               // Group of name, role
	QSRODeclaration   = "sro_declaration"   // Declaration
	QRequestedPence   = "requested_pence"   // Money
	QDeploymentRoutes = "deployment_routes" // MultipleChoice from the fund's routes
)

// Optional well-known ids: a form need not ask them, but when it does they
// have these types and the engine uses them (the reach eligibility rule,
// outcome targets).
const (
	QPopulationCovered = "population_covered" // Integer
	QPlannedReach      = "planned_reach"      // Integer
	QTargets           = "targets"            // OutcomeTargets
)
