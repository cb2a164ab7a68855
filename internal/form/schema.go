package form

import (
	"strconv"

	"github.com/fundflow/fundflow/internal/email"
)

// SchemaDialect is the JSON Schema version Schema writes.
const SchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// Schema is a JSON Schema (draft 2020-12) of a complete answer set for the
// form: what a submission's answers, as PATCH sends them, must look like,
// so a client can check a whole application before sending it. routes are
// the fund's deployment route ids, the options of deployment_routes.
//
// Validate stays the rule: a few checks cannot be said in a schema (a
// date's day within its month, an organisation in the registry, documents
// of the application, targets within the fund's measures, the maximum
// award), and a conditional question's answer is only constrained by type,
// since Validate ignores the answer of a hidden question.
func (f Form) Schema(routes []string) map[string]any {
	var qs []Question
	for _, s := range f.Sections {
		qs = append(qs, s.Questions...)
	}
	out := objectSchema(qs, routes)
	out["$schema"] = SchemaDialect
	out["title"] = "Answers to version " + strconv.Itoa(f.Version) + " of the application form"
	return out
}

func objectSchema(qs []Question, routes []string) map[string]any {
	props := map[string]any{}
	required := []string{}
	var conditions []any
	for _, q := range qs {
		props[q.ID] = questionSchema(q, routes)
		if !q.Required || q.Type == OutcomeTargets {
			continue
		}
		if q.ShowIf == nil {
			required = append(required, q.ID)
			continue
		}
		conditions = append(conditions, map[string]any{
			"if": map[string]any{
				"properties": map[string]any{q.ShowIf.Question: matches(*q.ShowIf, qs)},
				"required":   []string{q.ShowIf.Question},
			},
			"then": map[string]any{"required": []string{q.ID}},
		})
	}
	out := map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	if len(conditions) > 0 {
		out["allOf"] = conditions
	}
	return out
}

// matches is the schema of an answer for which cond holds.
func matches(cond Condition, siblings []Question) map[string]any {
	var t Type
	for _, q := range siblings {
		if q.ID == cond.Question {
			t = q.Type
		}
	}
	switch t {
	case YesNo:
		var bs []any
		for _, e := range cond.Equals {
			bs = append(bs, e == "yes")
		}
		return map[string]any{"enum": bs}
	case MultipleChoice:
		return map[string]any{"contains": map[string]any{"enum": cond.Equals}}
	}
	return map[string]any{"enum": cond.Equals}
}

func questionSchema(q Question, routes []string) map[string]any {
	s := map[string]any{"title": q.Label}
	if q.Hint != "" {
		s["description"] = q.Hint
	}
	nonBlank := func() {
		if q.Required {
			s["pattern"] = `\S`
		}
	}
	switch q.Type {
	case Text:
		s["type"], s["maxLength"] = "string", q.charLimit()
		nonBlank()
	case LongText:
		s["type"], s["maxLength"] = "string", q.charLimit()
		if q.MaxWords > 0 {
			// Words are runs of non-space, as Validate counts them.
			s["pattern"] = `^\s*(\S+(\s+|$)){` + strconv.Itoa(min(q.MaxWords, 1)) + `,` + strconv.Itoa(q.MaxWords) + `}$`
			if !q.Required {
				s["pattern"] = `^\s*(\S+(\s+|$)){0,` + strconv.Itoa(q.MaxWords) + `}$`
			}
		} else {
			nonBlank()
		}
	case Integer, Money:
		s["type"] = "integer"
		if q.Min != nil {
			s["minimum"] = *q.Min
		}
		if q.Max != nil {
			s["maximum"] = *q.Max
		}
	case Date:
		s["type"], s["format"], s["pattern"] = "string", "date", `^\d{4}-\d{2}-\d{2}$`
	case Email:
		// The rule's own pattern; "email" tells a client what it is, and
		// accepts everything the pattern and the length do.
		s["type"], s["format"], s["maxLength"], s["pattern"] = "string", "email", email.MaxLen, email.Pattern
	case Phone:
		s["type"], s["pattern"] = "string", `^\+?[0-9() -]{10,30}$`
	case YesNo:
		s["type"] = "boolean"
	case Declaration:
		s["type"] = "boolean"
		if q.Required {
			s["const"] = true
		}
	case SingleChoice:
		s["type"], s["enum"] = "string", optionValues(q, routes)
	case MultipleChoice:
		s["type"], s["uniqueItems"] = "array", true
		s["items"] = map[string]any{"type": "string", "enum": optionValues(q, routes)}
		if n := q.MinItems; n > 0 || q.Required {
			s["minItems"] = max(n, 1)
		}
		if q.MaxItems > 0 {
			s["maxItems"] = q.MaxItems
		}
	case Organisation:
		s["type"], s["pattern"] = "string", odsPattern.String()
	case Group:
		for k, v := range objectSchema(q.Questions, routes) {
			s[k] = v
		}
	case RepeatingGroup:
		s["type"], s["items"] = "array", objectSchema(q.Questions, routes)
		if q.MinItems > 0 {
			s["minItems"] = q.MinItems
		}
		if q.MaxItems > 0 {
			s["maxItems"] = q.MaxItems
		}
	case Document:
		s["type"], s["uniqueItems"], s["maxItems"] = "array", true, max(q.MaxDocuments, 1)
		s["items"] = map[string]any{"type": "string"}
		if q.Required {
			s["minItems"] = 1
		}
	case OutcomeTargets:
		s["type"] = "array"
		s["items"] = map[string]any{
			"type":     "object",
			"required": []string{"measure", "route", "target"},
			"properties": map[string]any{
				"measure":  map[string]any{"type": "string"},
				"route":    map[string]any{"type": "string", "enum": routes},
				"baseline": decimalSchema,
				"target":   decimalSchema,
			},
			"additionalProperties": false,
		}
	}
	return s
}

// decimalSchema is a fund figure: a JSON number or the same as a string,
// as package decimal writes them.
var decimalSchema = map[string]any{"type": []string{"number", "string"}, "pattern": `^-?\d+(\.\d+)?$`}

func optionValues(q Question, routes []string) []string {
	if q.OptionsFrom == OptionsDeploymentRoutes {
		return append([]string{}, routes...)
	}
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		out[i] = o.Value
	}
	return out
}
